using ActorCodistill.Cluster.DataPlane;
using Akka.Actor;

namespace ActorCodistill.Workers.Actors;

/// <summary>
/// How the training actors send the messages that carry tensors (<see cref="IBulkTrainingMessage"/>: allreduce chunks,
/// teacher copies, worker states): through the node's data plane (<see cref="DataPlane"/>), never in Akka.Remote's
/// frames. To a local actor that is an ordinary Tell; to a remote one the data plane's own transport. Every other
/// message is an ordinary Tell.
/// </summary>
public static class TensorMessaging
{
    /// <summary>Sends <paramref name="message"/> (an <see cref="IBulkTrainingMessage"/>) to <paramref name="target"/> from this actor.</summary>
    public static void TellTensor(this IActorContext context, IActorRef target, IBulkTrainingMessage message) =>
        DataPlane.Get(context.System).Tell(target, message, context.Self);
}
