namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// Asks the job a coordinator message (<see cref="Job.GetStatus"/>, <see cref="Job.ChangeTopology"/>, ...) and returns its
/// answer (<see cref="Job.JobStatus"/>, <see cref="Job.ReconfigureResult"/>): the path <c>ctl</c> takes. The hosting
/// supplies it (an Ask on the job's actor, with its own timeout), so the dashboard knows no actor runtime. It throws
/// when no answer comes.
/// </summary>
public delegate Task<object> JobAsk(object message, CancellationToken cancellationToken);
