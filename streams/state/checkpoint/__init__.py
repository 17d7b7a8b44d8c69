"""The changelog record format of the partition states: key layout and the
(de)serialisation of conversations and engine counters."""
