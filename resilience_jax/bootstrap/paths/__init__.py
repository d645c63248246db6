"""The three paths of the mediation bootstrap, each the staged core (index stage, equations stage)
composed on its own form of the data:

- :mod:`.tables`: per-entity tables computed once; a chunk of replicates is a few matrix products
  with its (B, G) entity weights (the fast path with entity fixed effects);
- :mod:`.rows`: the original rows with the replicate's entity weights as frequency weights (the
  fast path of the pooled reading, the jackknife, any weights);
- :mod:`.gathered`: each replicate's rows gathered into a new panel (the reference; integer
  multiplicities only).
"""
