using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>The <c>training.failures</c> keys as the run reads them (reference.conf plus --set overrides).</summary>
[Trait("Category", "Unit")]
public class FailureSettingsTests
{
    private static JobSpec Read(params string[] overrides) => TrainingSettings.Read(overrides);

    [Fact]
    public void TeacherRetryInterval_NotSet_IsAQuarterOfTheStepTimeout()
    {
        var failures = Read("training.failures.step-timeout=40s").Failures;
        Assert.Null(failures.TeacherRetryInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), failures.EffectiveTeacherRetry);
    }

    [Fact]
    public void TeacherRetryInterval_Set_IsUsedAsGiven()
    {
        var failures = Read("training.failures.step-timeout=40s", "training.failures.teacher-retry-interval=750ms").Failures;
        Assert.Equal(TimeSpan.FromMilliseconds(750), failures.TeacherRetryInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(750), failures.EffectiveTeacherRetry);
    }

    [Theory]
    [InlineData("40s")]
    [InlineData("1m")]
    public void TeacherRetryInterval_NotShorterThanTheStepTimeout_IsRejectedNamingTheKey(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => Read("training.failures.step-timeout=40s", $"training.failures.teacher-retry-interval={value}"));
        Assert.Contains("training.failures.teacher-retry-interval", e.Message);
    }

    [Fact]
    public void TeacherRetryInterval_NotADuration_IsRejectedNamingTheKey()
    {
        var e = Assert.Throws<ConfigException>(() => Read("training.failures.teacher-retry-interval=soon"));
        Assert.Contains("training.failures.teacher-retry-interval", e.Message);
    }
}
