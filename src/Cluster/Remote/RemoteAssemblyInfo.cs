using System.Runtime.CompilerServices;

// The remoting tests drive the handshake and raw frames directly to play a misbehaving peer.
[assembly: InternalsVisibleTo("ActorCodistill.Cluster.Tests")]
