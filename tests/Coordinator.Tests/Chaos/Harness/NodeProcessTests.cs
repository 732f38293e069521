using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace ActorCodistill.Coordinator.Tests.Chaos.Harness;

/// <summary>The process harness itself, driven with the seed program.</summary>
[Trait("Category", "Chaos")]
public sealed class NodeProcessTests
{
    private static readonly Regex Ready = new(@"^READY seed ", RegexOptions.CultureInvariant);

    [Fact]
    public void WaitForLine_ProcessExitsWithoutMatch_FailsNamingProcessPatternExitCodeAndOutput()
    {
        var logs = Path.Combine(Path.GetTempPath(), "codistill-process-tests", $"harness-{Guid.NewGuid():N}");
        using var p = NodeProcess.Start(new NodeProcessOptions
        {
            Dll = ChaosCluster.AppDll("ActorCodistill.Coordinator"),
            Args = ["seed", "--config", "/no/such/seed.conf"],
            Environment = { ["DOTNET_NOLOGO"] = "1" },
            Name = "bad-config",
            LogDirectory = logs,
        });

        var failure = Assert.Throws<XunitException>(() => p.WaitForLine(Ready, TimeSpan.FromSeconds(60)));

        Assert.Contains("process 'bad-config'", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"/{Ready}/", failure.Message, StringComparison.Ordinal);
        Assert.Contains("it exited with code 2 first", failure.Message, StringComparison.Ordinal);
        Assert.Contains("/no/such/seed.conf", failure.Message, StringComparison.Ordinal);
        Assert.True(p.HasExited);
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("/no/such/seed.conf", File.ReadAllText(p.LogPath!), StringComparison.Ordinal);
    }

    // A child that exits at once, waited for many times: the harness's Exited handler took the harness's lock while the
    // runtime held its own lock on the process, and WaitForLine held the harness's lock while asking HasExited; about one
    // wait in fifteen deadlocked (a clean-clone CI run hung here for 10 minutes, 2026-12-07). Bounded, so a regression
    // fails this test instead of hanging the suite.
    [Fact]
    public async Task ManyShortLivedChildren_EveryWaitEnds()
    {
        var all = Task.Run(() =>
        {
            for (var i = 0; i < 30; i++)
            {
                using var p = NodeProcess.Start(new NodeProcessOptions
                {
                    Dll = ChaosCluster.AppDll("ActorCodistill.Coordinator"),
                    Args = ["seed", "--config", "/no/such/seed.conf"],
                    Environment = { ["DOTNET_NOLOGO"] = "1" },
                    Name = $"short-lived-{i}",
                });
                var failure = Assert.Throws<XunitException>(() => p.WaitForLine(Ready, TimeSpan.FromSeconds(60)));
                Assert.Contains("it exited with code 2 first", failure.Message, StringComparison.Ordinal);
            }
        });
        await all.WaitAsync(TimeSpan.FromMinutes(3));
    }
}
