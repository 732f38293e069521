// The test classes of this assembly run one after another. Most run jobs in this process, and jobs share what is
// process-wide: the cores, libtorch's generator and thread settings, the model-init lock. Side by side, one job's groups
// started far apart from another's and newest-mode tests lost the order they assert (a group that never got a teacher
// copy in time), four CI failures in one day on a fast host (2026-12-06). The other test assemblies still run beside
// this one.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
