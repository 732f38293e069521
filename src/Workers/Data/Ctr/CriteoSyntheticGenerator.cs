using System.Globalization;
using System.Text;

namespace ActorCodistill.Workers.Data;

/// <summary>
/// SYNTHETIC click data in the Criteo TSV format, for tests and demos where the real data set
/// (a Kaggle download) is not available. Files are named <c>synthetic-criteo-seed{S}-n{N}.tsv</c>
/// so they cannot be mistaken for real data.
/// <para>
/// The generative model, all drawn from the seed: integer feature k is floor(exp(mu_k + 1.2 g)) - 1
/// for a standard normal g, missing with probability 10%, and I2 is -1 in 5% of rows (as in the real
/// data, so the negative clamp is exercised). Categorical field j has a vocabulary of V_j values
/// (hex strings), drawn with a skew towards low indices (index = floor(V_j u^3)), missing with a
/// per-field probability. The label is Bernoulli(sigmoid(logit)) with
/// logit = bias + sum_k w_k (log1p(max(I_k, 0)) - mu_k) + sum_j s_j v_{j,value}, where w, v are
/// standard normals scaled down and s_j is larger for the first 8 fields: a DNN (or logistic
/// regression on the hashed features) can learn to predict clicks well above the base rate.
/// </para>
/// </summary>
public sealed class CriteoSyntheticGenerator
{
    private const double Bias = -1.2;
    private readonly long _seed;
    private readonly double[] _denseMu = new double[CtrExample.DenseCount];
    private readonly double[] _denseWeight = new double[CtrExample.DenseCount];
    private readonly int[] _vocab = new int[CtrExample.CategoricalCount];
    private readonly double[] _missing = new double[CtrExample.CategoricalCount];
    private readonly double[] _fieldScale = new double[CtrExample.CategoricalCount];

    public CriteoSyntheticGenerator(long seed)
    {
        _seed = seed;
        var rng = new SeededRandom(SeededRandom.Derive(seed, 0xC517E0));
        for (var k = 0; k < CtrExample.DenseCount; k++)
        {
            _denseMu[k] = 4.0 * rng.NextDouble();
            _denseWeight[k] = 0.4 * rng.NextGaussian();
        }
        for (var j = 0; j < CtrExample.CategoricalCount; j++)
        {
            _vocab[j] = 5 + rng.NextInt(1000);
            _missing[j] = rng.NextDouble() < 0.3 ? 0.2 : 0.0;
            _fieldScale[j] = j < 8 ? 0.8 : 0.15;
        }
    }

    public static string FileName(long seed, int count) => $"synthetic-criteo-seed{seed}-n{count}.tsv";

    /// <summary>Writes <paramref name="count"/> lines to <c>folder/synthetic-criteo-seed{S}-n{N}.tsv</c> and returns the path.</summary>
    public static string WriteFile(string folder, int count, long seed)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName(seed, count));
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        var generator = new CriteoSyntheticGenerator(seed);
        foreach (var (line, _) in generator.Generate(count))
        {
            writer.Write(line);
            writer.Write('\n');
        }
        return path;
    }

    /// <summary>Lines (without newline) and the click probability the hidden model gave each.</summary>
    public IEnumerable<(string Line, double ClickProbability)> Generate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new SeededRandom(SeededRandom.Derive(_seed, 0x11E5));
        var sb = new StringBuilder(256);
        for (var n = 0; n < count; n++)
        {
            sb.Clear();
            var logit = Bias;
            for (var k = 0; k < CtrExample.DenseCount; k++)
            {
                sb.Append('\t');
                if (rng.NextDouble() < 0.10)
                {
                    continue;
                }
                long x = k == 1 && rng.NextDouble() < 0.05
                    ? -1
                    : (long)Math.Floor(Math.Exp(_denseMu[k] + 1.2 * rng.NextGaussian())) - 1;
                sb.Append(x.ToString(CultureInfo.InvariantCulture));
                logit += _denseWeight[k] * (Math.Log(1.0 + Math.Max(x, 0)) - _denseMu[k]);
            }
            for (var j = 0; j < CtrExample.CategoricalCount; j++)
            {
                sb.Append('\t');
                if (_missing[j] > 0 && rng.NextDouble() < _missing[j])
                {
                    continue;
                }
                var u = rng.NextDouble();
                var index = (int)(_vocab[j] * u * u * u);
                sb.Append(ValueHex(j, index));
                logit += _fieldScale[j] * ValueWeight(j, index);
            }
            var p = 1.0 / (1.0 + Math.Exp(-logit));
            var label = rng.NextDouble() < p ? '1' : '0';
            yield return (label + sb.ToString(), p);
        }
    }

    private string ValueHex(int field, int index) =>
        ((uint)SeededRandom.Derive(_seed, 0x4E7, field, index)).ToString("x8", CultureInfo.InvariantCulture);

    private double ValueWeight(int field, int index) =>
        new SeededRandom(SeededRandom.Derive(_seed, 0x3E16, field, index)).NextGaussian();
}
