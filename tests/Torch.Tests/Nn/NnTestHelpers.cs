using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Tests.Nn;

internal static class NnTestHelpers
{
    public static float[] F(Tensor t)
    {
        using var c = t.detach().to(ScalarType.Float32);
        return c.ToArray<float>();
    }

    public static double[] D(Tensor t)
    {
        using var c = t.detach().to(ScalarType.Float64);
        return c.ToArray<double>();
    }

    public static void AssertClose(double[] expected, double[] actual, double rtol, double atol, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (var i = 0; i < expected.Length; i++)
        {
            var tol = atol + rtol * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol,
                $"{what}[{i}]: got {actual[i]:R}, expected {expected[i]:R} (tolerance {tol:G3})");
        }
    }
}
