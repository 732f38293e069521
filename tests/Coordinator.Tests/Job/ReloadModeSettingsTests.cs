using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>The <c>training.reload-mode</c> key as the run reads it (reference.conf plus --set overrides).</summary>
[Trait("Category", "Unit")]
public class ReloadModeSettingsTests
{
    [Fact]
    public void NotSet_IsNewest() => Assert.Equal(ReloadMode.Newest, TrainingSettings.Read().ReloadMode);

    [Theory]
    [InlineData("exact", ReloadMode.Exact)]
    [InlineData("newest", ReloadMode.Newest)]
    public void Set_IsUsedAsGiven(string value, ReloadMode expected) =>
        Assert.Equal(expected, TrainingSettings.Read($"training.reload-mode={value}").ReloadMode);

    [Fact]
    public void UnknownValue_IsRejectedNamingTheKey()
    {
        var e = Assert.ThrowsAny<Exception>(() => TrainingSettings.Read("training.reload-mode=latest"));
        Assert.Contains("training.reload-mode", e.Message);
    }
}
