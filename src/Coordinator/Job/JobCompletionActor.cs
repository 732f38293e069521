using Akka.Actor;
using Akka.Event;

namespace ActorCodistill.Coordinator.Job;

/// <summary>The job's owner in an embedded run: completes a task when the coordinator reports the job done.</summary>
public sealed class JobCompletionActor : ReceiveActor
{
    public JobCompletionActor(TaskCompletionSource<JobCompleted> completion)
    {
        Receive<JobCompleted>(done => completion.TrySetResult(done));
    }

    public static Props Props(TaskCompletionSource<JobCompleted> completion) =>
        Akka.Actor.Props.Create(() => new JobCompletionActor(completion));
}
