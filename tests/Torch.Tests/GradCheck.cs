using ActorCodistill.Torch;
using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Tests;

/// <summary>
/// Finite-difference gradient checker in float64. The function's output is reduced to a scalar with fixed
/// random weights (sum(f(x) * w)), so one backward pass checks a random projection of the whole Jacobian.
/// Each checked element of each input that requires grad is perturbed by ±eps (central differences);
/// big inputs are checked on a seeded random subset of elements.
/// </summary>
public static class GradCheck
{
    /// <summary>Largest |numeric - analytic| / max(1, |analytic|) over the checked elements.</summary>
    public static double MaxError(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, int maxElementsPerInput = 64, int seed = 1234)
    {
        foreach (var x in inputs)
            if (x.requires_grad && x.dtype != ScalarType.Float64)
                throw new ArgumentException($"GradCheck needs float64 inputs, got {x}");
        var random = new Random(seed);
        double[] weights;
        double[][] analytic = new double[inputs.Length][];
        using (var scope = NewDisposeScope())
        {
            foreach (var x in inputs) if (x.requires_grad) x.grad = null;
            var output = f(inputs);
            weights = new double[output.numel()];
            for (var i = 0; i < weights.Length; i++) weights[i] = random.NextDouble() * 2 - 1;
            var w = tensor(weights, output.shape);
            (output.to(ScalarType.Float64) * w).sum().backward();
            for (var k = 0; k < inputs.Length; k++)
            {
                if (!inputs[k].requires_grad) continue;
                var g = inputs[k].grad ?? throw new InvalidOperationException($"input {k} received no gradient");
                analytic[k] = g.ToArray<double>();
                inputs[k].grad = null;
            }
        }

        var maxError = 0.0;
        for (var k = 0; k < inputs.Length; k++)
        {
            if (analytic[k] is null) continue;
            var values = inputs[k].ToArray<double>();
            foreach (var i in PickElements(values.Length, maxElementsPerInput, random))
            {
                var original = values[i];
                values[i] = original + eps;
                inputs[k].CopyFrom<double>(values);
                var plus = Evaluate(f, inputs, weights);
                values[i] = original - eps;
                inputs[k].CopyFrom<double>(values);
                var minus = Evaluate(f, inputs, weights);
                values[i] = original;
                inputs[k].CopyFrom<double>(values);
                var numeric = (plus - minus) / (2 * eps);
                var error = Math.Abs(numeric - analytic[k][i]) / Math.Max(1.0, Math.Abs(analytic[k][i]));
                maxError = Math.Max(maxError, error);
            }
        }
        return maxError;
    }

    /// <summary>Asserts the gradients match within tolerance and returns the max error.</summary>
    public static double Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double tolerance = 1e-6, double eps = 1e-6,
        int maxElementsPerInput = 64, int seed = 1234)
    {
        var error = MaxError(f, inputs, eps, maxElementsPerInput, seed);
        Assert.True(error <= tolerance, $"finite-difference gradient check failed: max error {error:E3} > tolerance {tolerance:E3}");
        return error;
    }

    private static double Evaluate(Func<Tensor[], Tensor> f, Tensor[] inputs, double[] weights)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var output = f(inputs);
        var w = tensor(weights, output.shape);
        return (output.to(ScalarType.Float64) * w).sum().item<double>();
    }

    private static IEnumerable<int> PickElements(int count, int max, Random random)
    {
        if (count <= max) return Enumerable.Range(0, count);
        return Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(max).Order();
    }
}
