using TorchSharp;
using ActorCodistill.Workers.Training;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Tests.Training;

[Trait("Category", "Unit")]
public class DistillationTests
{
    private static Tensor T(float[] values, params long[] shape) => tensor(values, shape);

    private static double[] Softmax(double[] z, double t = 1)
    {
        var e = z.Select(v => Math.Exp(v / t)).ToArray();
        var s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    [Fact]
    public void CrossEntropy_SoftTargets_MatchesHandComputedValue()
    {
        using var scope = NewDisposeScope();
        double[] z0 = [1, 2, 0], z1 = [0.5, -1, 2];
        double[] p0 = [0.2, 0.5, 0.3], p1 = [0.6, 0.1, 0.3];
        var expected = (-p0.Zip(Softmax(z0)).Sum(x => x.First * Math.Log(x.Second))
                        - p1.Zip(Softmax(z1)).Sum(x => x.First * Math.Log(x.Second))) / 2;

        var psi = Distillation.Psi(T([1, 2, 0, 0.5f, -1, 2], 2, 3), T([0.2f, 0.5f, 0.3f, 0.6f, 0.1f, 0.3f], 2, 3), DistillLoss.CrossEntropy, 1.0);

        Assert.Equal(expected, psi.item<float>(), 5);
    }

    [Fact]
    public void KlDivergence_IsCrossEntropyMinusTeacherEntropy_AndZeroAtAgreement()
    {
        using var scope = NewDisposeScope();
        double[] z = [0.3, -0.2, 1.1];
        var p = Softmax(z);
        var logits = T(z.Select(v => (float)v).ToArray(), 1, 3);
        var agree = Distillation.Psi(logits, T(p.Select(v => (float)v).ToArray(), 1, 3), DistillLoss.KlDivergence, 1.0);
        Assert.Equal(0.0, agree.item<float>(), 5);

        double[] q = [0.7, 0.2, 0.1];
        var expected = q.Zip(p).Sum(x => x.First * (Math.Log(x.First) - Math.Log(x.Second)));
        var kl = Distillation.Psi(logits, T(q.Select(v => (float)v).ToArray(), 1, 3), DistillLoss.KlDivergence, 1.0);
        Assert.Equal(expected, kl.item<float>(), 5);
    }

    [Fact]
    public void SquaredError_SumsOverClassesAndAveragesOverExamples()
    {
        using var scope = NewDisposeScope();
        // example 0: (1-0)^2 + (2-4)^2 = 5; example 1: (0-1)^2 + (0-0)^2 = 1 -> mean 3
        var psi = Distillation.Psi(T([1, 2, 0, 0], 2, 2), T([0, 4, 1, 0], 2, 2), DistillLoss.SquaredError, 1.0);
        Assert.Equal(3.0, psi.item<float>(), 5);
    }

    [Fact]
    public void Temperature_SoftensTargetsAndScalesByTSquared()
    {
        using var scope = NewDisposeScope();
        const double t = 2.0;
        double[] z = [2, 0, -1];
        double[] teacherZ = [1, 1, 0];
        var pt = Softmax(teacherZ, t);
        var ps = Softmax(z, t);
        var expected = -pt.Zip(ps).Sum(x => x.First * Math.Log(x.Second)) * t * t;

        var target = Distillation.TeacherTarget([T([1, 1, 0], 1, 3)], DistillLoss.CrossEntropy, t);
        var psi = Distillation.Psi(T([2, 0, -1], 1, 3), target, DistillLoss.CrossEntropy, t);

        Assert.Equal(expected, psi.item<float>(), 4);
    }

    [Fact]
    public void TeacherTarget_AveragesTeacherDistributions_NotLogits()
    {
        using var scope = NewDisposeScope();
        var target = Distillation.TeacherTarget([T([10, 0], 1, 2), T([0, 10], 1, 2)], DistillLoss.CrossEntropy, 1.0).data<float>().ToArray();
        var a = Softmax([10, 0]);
        Assert.Equal((a[0] + a[1]) / 2, target[0], 5);
        Assert.Equal(0.5, target[0], 5);

        var logits = Distillation.TeacherTarget([T([2, 4], 1, 2), T([0, 0], 1, 2)], DistillLoss.SquaredError, 1.0).data<float>().ToArray();
        Assert.Equal([1f, 2f], logits);
    }

    [Fact]
    public void Binary_CrossEntropy_UsesBernoulliSoftTargets()
    {
        using var scope = NewDisposeScope();
        double z = 0.7, p = 0.9;
        var s = 1 / (1 + Math.Exp(-z));
        var expected = -(p * Math.Log(s) + (1 - p) * Math.Log(1 - s));
        var psi = Distillation.Psi(T([(float)z], 1), T([(float)p], 1), DistillLoss.CrossEntropy, 1.0);
        Assert.Equal(expected, psi.item<float>(), 5);
    }

    [Fact]
    public void Mask_ExcludesPaddedExamplesFromTheMean()
    {
        using var scope = NewDisposeScope();
        var psi = Distillation.Psi(T([1, 2, 0, 0], 2, 2), T([0, 4, 1, 0], 2, 2), DistillLoss.SquaredError, 1.0, T([1, 0], 2));
        Assert.Equal(5.0, psi.item<float>(), 5);
    }

    [Fact]
    public void Psi_GradientMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new double[] { 0.3, -0.4, 1.2, 0.1, 0.0, -0.7 }, [2, 3], requires_grad: true);
        var target = tensor(new double[] { 0.2, 0.5, 0.3, 0.6, 0.1, 0.3 }, [2, 3]);
        foreach (var kind in Enum.GetValues<DistillLoss>())
        {
            logits.grad?.zero_();
            var loss = Distillation.Psi(logits, target, kind, 1.5);
            loss.backward();
            var analytic = logits.grad!.data<double>().ToArray();
            var values = logits.detach().data<double>().ToArray();
            for (var i = 0; i < values.Length; i++)
            {
                const double eps = 1e-6;
                double Eval(double delta)
                {
                    var v = (double[])values.Clone();
                    v[i] += delta;
                    using var inner = NewDisposeScope();
                    return Distillation.Psi(tensor(v, [2, 3]), target, kind, 1.5).item<double>();
                }
                var numeric = (Eval(eps) - Eval(-eps)) / (2 * eps);
                Assert.True(Math.Abs(numeric - analytic[i]) < 1e-6, $"{kind} d/dz[{i}]: numeric {numeric} vs autograd {analytic[i]}");
            }
        }
    }

    [Theory]
    [InlineData("cross-entropy", DistillLoss.CrossEntropy)]
    [InlineData("kl", DistillLoss.KlDivergence)]
    [InlineData("squared-error", DistillLoss.SquaredError)]
    public void Parse_KnownNames(string text, DistillLoss expected) => Assert.Equal(expected, Distillation.Parse(text));
}
