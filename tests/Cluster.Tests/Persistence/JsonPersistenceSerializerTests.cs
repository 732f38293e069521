using System.Text;
using ActorCodistill.Cluster.Persistence;

namespace ActorCodistill.Cluster.Tests.Persistence;

[Trait("Category", "Unit")]
public sealed class JsonPersistenceSerializerTests
{
    [Fact]
    public void Serialize_UnregisteredType_ManifestIsVersionlessTypeNameAndRoundTrips()
    {
        var serializer = new JsonPersistenceSerializer();

        var serialized = serializer.Serialize(new Added(42));

        Assert.Equal("ActorCodistill.Cluster.Tests.Persistence.Added, ActorCodistill.Cluster.Tests", serialized.Manifest);
        Assert.Equal("{\"Amount\":42}", Encoding.UTF8.GetString(serialized.Payload));
        Assert.Equal(new Added(42), serializer.Deserialize(serialized.Manifest, serialized.Payload));
    }

    [Fact]
    public void Serialize_RegisteredAlias_WritesAndReadsTheAlias()
    {
        var serializer = new JsonPersistenceSerializer().Register<Added>("added/v1");

        var serialized = serializer.Serialize(new Added(7));

        Assert.Equal("added/v1", serialized.Manifest);
        Assert.Equal(new Added(7), serializer.Deserialize("added/v1", "{\"Amount\":7}"u8.ToArray()));
    }

    [Fact]
    public void Deserialize_UnknownManifest_ThrowsNamingManifest()
    {
        var ex = Assert.Throws<PersistenceSerializationException>(() =>
            new JsonPersistenceSerializer().Deserialize("No.Such.Type, Nowhere", "{}"u8.ToArray()));

        Assert.Equal("No.Such.Type, Nowhere", ex.Manifest);
        Assert.Contains("'No.Such.Type, Nowhere'", ex.Message);
    }

    [Fact]
    public void Deserialize_GarbledPayload_ThrowsNamingTypeAndLength()
    {
        var serializer = new JsonPersistenceSerializer().Register<Added>("added/v1");

        var ex = Assert.Throws<PersistenceSerializationException>(() => serializer.Deserialize("added/v1", "{oops"u8.ToArray()));

        Assert.Contains("5-byte payload", ex.Message);
        Assert.Contains(nameof(Added), ex.Message);
    }

    [Fact]
    public void RequireRegisteredTypes_RefusesTypeNamesBothWays()
    {
        var serializer = new JsonPersistenceSerializer { RequireRegisteredTypes = true }.Register<Added>("added/v1");
        var typeName = new JsonPersistenceSerializer().Serialize(new Added(1)).Manifest;

        Assert.Throws<PersistenceSerializationException>(() => serializer.Serialize(new CounterState(1)));
        Assert.Throws<PersistenceSerializationException>(() => serializer.Deserialize(typeName, "{\"Amount\":1}"u8.ToArray()));
        Assert.Equal(new Added(1), serializer.Deserialize("added/v1", "{\"Amount\":1}"u8.ToArray()));
    }

    [Fact]
    public void Register_AliasTakenByAnotherType_Throws()
    {
        var serializer = new JsonPersistenceSerializer().Register<Added>("x");

        Assert.Throws<ArgumentException>(() => serializer.Register<CounterState>("x"));
        Assert.Throws<ArgumentException>(() => serializer.Register<Added>("y"));
        Assert.Throws<ArgumentException>(() => serializer.Register<CounterState>("a,b"));
    }
}
