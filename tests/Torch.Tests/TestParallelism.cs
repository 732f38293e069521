// Forty tests seed libtorch's one global generator (manual_seed) and then draw from it; two test classes running at
// once interleave their draws, and a "same seed, same numbers" assertion fails now and then (seen in
// SparseOptimizerTests, Randn_SameSeed_SameDraws, OptimizerStateTests). Resident-memory measurements are process-wide
// too. The whole project runs in a few seconds, so its test classes run one at a time instead of each such class
// guarding itself.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
