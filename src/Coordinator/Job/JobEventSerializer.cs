using Akka.Actor;
using Akka.Serialization;

namespace ActorCodistill.Coordinator.Job;

/// <summary>
/// How the coordinator's events are stored by the Akka.Persistence journal: the JSON of <see cref="JobEvent"/> (its
/// <c>$type</c> names, not CLR names, so a renamed class keeps reading old journals), with the event's name as the
/// manifest. Bound to <see cref="JobEvent"/> in the journal's configuration (<see cref="JobJournal.AkkaConfig"/>).
/// </summary>
public sealed class JobEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4711;

    public override int Identifier => Id;

    public override string Manifest(object o) => o.GetType().Name;

    public override byte[] ToBinary(object obj) =>
        obj is JobEvent e ? e.Serialize() : throw new ArgumentException($"{obj.GetType().FullName} is not a job event", nameof(obj));

    public override object FromBinary(byte[] bytes, string manifest) => JobEvent.Deserialize(bytes, $"a journalled {manifest}");
}
