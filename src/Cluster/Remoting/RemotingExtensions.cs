using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.Remoting;

public static class RemotingExtensions
{
    /// <summary>A ref to the actor at <paramref name="path"/> on another node (<c>act://system@host:port/user/x</c>).</summary>
    public static IActorRef ResolveRemote(this ActorSystem system, string path) => RemoteActorSystem.For(system).ResolveRemote(path);
}
