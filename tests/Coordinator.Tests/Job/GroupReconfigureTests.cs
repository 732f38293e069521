using System.Collections.Concurrent;
using Akka.Actor;
using ActorCodistill.Workers.Actors;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>A group on its own, driven as its coordinator would: when it applies scheduled changes.</summary>
[Trait("Category", "Integration")]
public class GroupReconfigureTests
{
    // Stands in for the coordinator: every message the group sends it, in order.
    private sealed class Capture : ReceiveActor
    {
        public Capture(BlockingCollection<object> sink) => ReceiveAny(sink.Add);
    }

    [Fact]
    public async Task AChangeForAStepAhead_AppliesThere_AndOneForAStepAlreadyBegun_AppliesAtTheNextStep_WithAWarning()
    {
        var sink = new BlockingCollection<object>();
        var system = ActorCodistill.Coordinator.Embedded.EmbeddedHosting.Start("group-reconfigure");
        try
        {
            var coordinator = system.ActorOf(Props.Create(() => new Capture(sink)), "coordinator");
            var group = system.ActorOf(GroupActor.Props(TinyJobs.Spec(steps: 400, groups: 1, workers: 1, eval: 0), 0, coordinator, GroupStart.Alone), "group-0");

            long reached = 0;
            var events = new List<GroupEvent>();
            GroupEvent WaitFor(Func<GroupEvent, bool> match)
            {
                while (sink.TryTake(out var message, TimeSpan.FromSeconds(60)))
                {
                    if (message is GroupStepCompleted completed) reached = completed.Step;
                    if (message is GroupEvent e)
                    {
                        events.Add(e);
                        if (match(e)) return e;
                    }
                }
                throw new TimeoutException("no such group event; got: " + string.Join(" | ", events.Select(e => $"{e.Step}: {e.Message}")));
            }
            void WaitForStep(long step)
            {
                while (reached < step && sink.TryTake(out var message, TimeSpan.FromSeconds(60)))
                {
                    if (message is GroupStepCompleted completed) reached = completed.Step;
                    if (message is GroupEvent e) events.Add(e);
                }
                Assert.True(reached >= step, $"the group did not reach step {step}");
            }

            WaitForStep(5);
            var ahead = reached + 40;
            group.Tell(new GroupReconfigure(null, 7, null, AtStep: ahead));
            var applied = WaitFor(e => e.Message.StartsWith("applied at step", StringComparison.Ordinal));
            Assert.Equal($"applied at step {ahead}: reload interval 7", applied.Message);
            Assert.Equal(ahead, applied.Step);

            // Step 3 is long gone: the change is reported as late and applied at the group's next step.
            group.Tell(new GroupReconfigure(null, null, 0.5, AtStep: 3));
            var late = WaitFor(e => e.Message.StartsWith("a change scheduled for step 3", StringComparison.Ordinal));
            Assert.Contains("arrived after that step had begun", late.Message);
            var lateApplied = WaitFor(e => e.Message.StartsWith("applied at step", StringComparison.Ordinal));
            Assert.Equal($"applied at step {late.Step + 1}: distillation weight 0.5", lateApplied.Message);
            group.Tell(new StopGroup());
        }
        finally
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
