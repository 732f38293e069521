namespace ActorCodistill.Cluster.Actors;

/// <summary>Parent of top-level actors (/user) or of runtime actors (/system). Handles no messages itself.</summary>
internal sealed class GuardianActor(SupervisorStrategy strategy) : ActorBase
{
    protected override bool Receive(object message) => false;

    protected override SupervisorStrategy SupervisorStrategy() => strategy;

    // Restarting a guardian would stop every top-level actor; guardians keep their children.
    protected override void PreRestart(Exception reason, object? message)
    {
    }
}
