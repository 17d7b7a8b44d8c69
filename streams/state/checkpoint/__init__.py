"""The changelog record format of the partition states: the key layout (keys.py) and the
versioned encoding of every record kind, with its migrations from older versions
(codec.py)."""
