using System.Text.RegularExpressions;
using ActorCodistill.TestKit.Process;
using Xunit.Sdk;

namespace ActorCodistill.Cluster.Tests.Process;

/// <summary>The process harness itself, driven with the node host.</summary>
[Trait("Category", "Process")]
[Collection(NodeHostCluster.Collection)]
public sealed class NodeProcessTests
{
    private static readonly Regex Ready = new(@"^READY \S+ (-?\d+)$", RegexOptions.CultureInvariant);

    [Fact]
    public void WaitForLine_ProcessExitsWithoutMatch_FailsNamingProcessPatternExitCodeAndOutput()
    {
        var logs = Path.Combine(Path.GetTempPath(), "codistill-process-tests", $"harness-{Guid.NewGuid():N}");
        using var p = NodeProcess.Start(new NodeProcessOptions
        {
            Dll = NodeHostLocator.Find(),
            Args = ["--no-such-option", "x"],
            Environment = { ["CODISTILL_SECRET"] = NodeHostCluster.Secret },
            Name = "bad-args",
            LogDirectory = logs,
        });

        var failure = Assert.Throws<XunitException>(() => p.WaitForLine(Ready, TimeSpan.FromSeconds(60)));

        Assert.Contains("process 'bad-args'", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"/{Ready}/", failure.Message, StringComparison.Ordinal);
        Assert.Contains("it exited with code 2 first", failure.Message, StringComparison.Ordinal);
        Assert.Contains("NodeHost: unknown option --no-such-option", failure.Message, StringComparison.Ordinal);
        Assert.True(p.HasExited);
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("NodeHost: unknown option --no-such-option", File.ReadAllText(p.LogPath!), StringComparison.Ordinal);
    }

    [Fact]
    public void Restart_AfterStopGracefully_NewIncarnationWithItsOwnLines()
    {
        using var p = NodeProcess.Start(new NodeProcessOptions
        {
            Dll = NodeHostLocator.Find(),
            Args = [.. NodeHostCluster.Timings],
            Environment = { ["CODISTILL_SECRET"] = NodeHostCluster.Secret },
            Name = "lone-seed",
        });
        var firstUid = p.WaitForLine(Ready).Groups[1].Value;
        var firstPid = p.Pid;

        Assert.Throws<InvalidOperationException>(() => p.Restart());
        Assert.Equal(0, p.StopGracefully());
        Assert.Contains(p.Lines, l => l.StartsWith("EXIT shutdown: ClrExitReason", StringComparison.Ordinal));
        p.Restart();
        var secondUid = p.WaitForLine(Ready).Groups[1].Value;

        Assert.Equal(2, p.Incarnation);
        Assert.NotEqual(firstPid, p.Pid);
        Assert.NotEqual(firstUid, secondUid);
        // The second wait did not match the first incarnation's READY line: it searched from the restart on.
        Assert.Equal(2, p.Lines.Count(l => Ready.IsMatch(l)));
        Assert.True(p.IncarnationStartLine > 0);
        Assert.DoesNotContain(p.Lines.Skip(p.IncarnationStartLine), l => l.Contains(firstUid, StringComparison.Ordinal));
        Assert.Null(p.ExitCode);
    }
}
