using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors;

[Trait("Category", "Unit")]
public class EventStreamTests : ActorTestKit
{
    [Fact]
    public void Publish_SubscriberStopped_RemovedInsteadOfDeadLettered()
    {
        var watcher = CreateTestProbe();
        var subscriber = CreateTestProbe();
        Sys.EventStream.Subscribe(subscriber.Ref, typeof(string));
        watcher.Watch(subscriber.Ref);
        Sys.Stop(subscriber.Ref);
        watcher.ExpectTerminated(subscriber.Ref);
        var before = Sys.DeadLetterCount;

        Sys.EventStream.Publish("first");
        Sys.EventStream.Publish("second");

        Assert.Equal(before, Sys.DeadLetterCount);
    }

    [Fact]
    public void Subscribe_BaseType_ReceivesDerivedEventsUntilUnsubscribed()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(Animal));

        Sys.EventStream.Publish(new Dog("rex"));
        Sys.EventStream.Publish("not an animal");
        Sys.EventStream.Unsubscribe(probe.Ref, typeof(Animal));
        Sys.EventStream.Publish(new Dog("late"));

        probe.ExpectMsg(new Dog("rex"));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private abstract record Animal;

    private sealed record Dog(string Name) : Animal;
}
