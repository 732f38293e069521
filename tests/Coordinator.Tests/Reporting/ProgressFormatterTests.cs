using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Tests.Reporting;

[Trait("Category", "Unit")]
public sealed class ProgressFormatterTests
{
    [Fact]
    public void Format_DistillingWithEval_AllFields()
    {
        var line = ProgressFormatter.Format(1200, 10000, 4.52101, 0.12344, 4.3, 812.3, [12, 40]);

        Assert.Equal("step 1200/10000 12.0% | loss 4.5210 | distill 0.1234 | val 4.3000 | 812 ex/s | teacher age 12,40", line);
    }

    [Fact]
    public void Format_BurnInBeforeFirstEval_DistillOffNoValNoTeacher()
    {
        var line = ProgressFormatter.Format(10, 0, 6.0, null, null, 15234, []);

        Assert.Equal("step 10/0 | loss 6.0000 | distill off | 15.2k ex/s | teacher age -", line);
    }

    [Fact]
    public void Format_ManyTeachers_RangeOnly()
    {
        var line = ProgressFormatter.Format(5, 10, 1, 0.5, null, 2.5e6, [3, 9, 1, 4, 7]);

        Assert.EndsWith("| 2.50M ex/s | teacher age 1..9 (5 teachers)", line);
    }

    [Fact]
    public void Format_Always_NoMarkupBrackets()
    {
        var line = ProgressFormatter.Format(5, 10, double.NaN, double.PositiveInfinity, 1, double.NaN, [1]);

        Assert.DoesNotContain('[', line);
        Assert.Contains("loss NaN", line);
        Assert.Contains("| - ex/s", line);
    }
}
