using System.Text;
using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Tests.Data.Tokenization;

[Trait("Category", "Unit")]
public sealed class BpeTokenizerTests
{
    private static readonly TokenizerOptions NoMinimum = new() { MinPairCount = 1 };

    [Fact]
    public void Train_TinyCorpus_LearnsHandComputedMergesAndStops()
    {
        // Chunks "ab", " ab" x2, "abc": (a,b) occurs 4 times, then (" ", ab) twice; (ab, c) once is below MinPairCount 2.
        var tok = BpeTokenizer.Train(["ab ab ab", "abc"], 300);

        Assert.Equal([(97, 98), (32, 258)], tok.Merges);
        Assert.Equal(260, tok.VocabSize);
        Assert.Equal([259, 259, 99], tok.Encode(" ab abc"));
        Assert.Equal(" ab", tok.Decode([259]));
    }

    [Fact]
    public void Train_EqualCounts_BreaksTiesOnSmallestPair()
    {
        var tok = BpeTokenizer.Train(["ab cd"], 300, NoMinimum);

        Assert.Equal([(32, 99), (97, 98), (258, 100)], tok.Merges);
    }

    [Fact]
    public void Train_MergesNeverCrossWordBoundaries()
    {
        var tok = BpeTokenizer.Train(Enumerable.Repeat("the cat the cat the cat", 10), 400, NoMinimum);

        foreach (var id in Enumerable.Range(258, tok.MergeCount))
        {
            var text = Encoding.UTF8.GetString(tok.TokenBytes(id));
            Assert.DoesNotContain(' ', text.TrimStart(' ').AsSpan().ToArray());
        }
        Assert.Equal(2, tok.Encode(" the cat").Length);
    }

    [Fact]
    public void Ids_SpecialTokens_FollowTheBytes()
    {
        var tok = BpeTokenizer.FromMerges([]);

        Assert.Equal(256, tok.EodId);
        Assert.Equal(257, tok.PadId);
        Assert.Equal(258, tok.VocabSize);
        Assert.Equal("x<eod>y<pad>", tok.Decode([(int)'x', 256, (int)'y', 257]));
        Assert.DoesNotContain(tok.EodId, tok.Encode("<eod>"));
    }

    [Fact]
    public void Decode_IdOutsideVocabulary_Throws()
    {
        var tok = BpeTokenizer.FromMerges([]);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([65, 258]));
        Assert.Contains("258", e.Message);
    }

    [Fact]
    public void Train_VocabBelowBase_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BpeTokenizer.Train(["x"], 257));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EncodeDecode_RandomUnicodeStrings_RoundTrip(int seed)
    {
        var rng = new SeededRandom((long)seed);
        var training = Enumerable.Range(0, 200).Select(_ => RandomText(rng, 200)).ToList();
        training.Add("The quick brown fox jumps over the lazy dog. Ünïcödé façade naïve 日本語のテキスト 😀👍🏽");
        var tok = BpeTokenizer.Train(training, 1000, NoMinimum);
        Assert.True(tok.MergeCount > 500, $"only {tok.MergeCount} merges learned");

        for (var i = 0; i < 400; i++)
        {
            var text = RandomText(rng, rng.NextInt(120));
            var ids = tok.Encode(text);
            Assert.Equal(text, tok.Decode(ids));
            Assert.All(ids, id => Assert.InRange(id, 0, tok.VocabSize - 1));
            Assert.DoesNotContain(tok.EodId, ids);
        }
    }

    [Fact]
    public void EncodeDecode_EdgeCases_RoundTrip()
    {
        var tok = BpeTokenizer.Train(["hello world  \n\n  hello   world\t\t!!"], 300, NoMinimum);
        string[] cases =
        [
            "", " ", "\n", "\r\n", "   \n  ", "a", "\0", "\uFFFF", "\U0010FFFF", "😀", "😀😀😀 😀",
            new string(' ', 500), new string('-', 1000), string.Concat(Enumerable.Repeat("😀", 100)),
            "e\u0301\u0301", "x\u200Dy", "'s 's'll 've", "١٢٣ ٤٥٦", "\u3000\u3000全角",
        ];
        foreach (var text in cases)
        {
            Assert.Equal(text, tok.Decode(tok.Encode(text)));
        }
    }

    [Fact]
    public void Encode_LoneSurrogate_BecomesReplacementCharacter()
    {
        // Documented limit of the round trip: UTF-8 cannot hold a lone surrogate.
        var tok = BpeTokenizer.FromMerges([]);

        Assert.Equal("a\uFFFDb", tok.Decode(tok.Encode("a\uD800b")));
    }

    [Fact]
    public void Encode_SameTextTwice_SameIds()
    {
        var tok = BpeTokenizer.Train(["in the beginning was the word"], 300, NoMinimum);

        Assert.Equal(tok.Encode("the word was in the beginning"), tok.Encode("the word was in the beginning"));
    }

    [Fact]
    public void SaveLoad_TrainedTokenizer_IdenticalEncodings()
    {
        using var dir = new TempFolder();
        var rng = new SeededRandom(99L);
        var docs = Enumerable.Range(0, 50).Select(_ => RandomText(rng, 300)).ToList();
        var tok = BpeTokenizer.Train(docs, 1000, NoMinimum);
        var path = dir.File("tok.bpe");

        tok.Save(path);
        var loaded = BpeTokenizer.Load(path);

        Assert.Equal(tok.Merges, loaded.Merges);
        Assert.Equal(tok.VocabSize, loaded.VocabSize);
        Assert.Equal(tok.Options.Pattern, loaded.Options.Pattern);
        foreach (var d in docs)
        {
            Assert.Equal(tok.Encode(d), loaded.Encode(d));
        }
        Assert.StartsWith("actorcodistill-bpe 1\n", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("header", "not-a-tokenizer 1", ":1:", "not a tokenizer file")]
    [InlineData("header", "actorcodistill-bpe 2", ":1:", "unsupported version '2'")]
    [InlineData("pattern", "pattern [oops", ":2:", "pattern is not a JSON string")]
    [InlineData("max-chunk-chars", "max-chunk-chars ten", ":3:", "'max-chunk-chars' must be a non-negative integer")]
    [InlineData("specials", "specials <pad> <eod>", ":4:", "expected specials")]
    [InlineData("merge-1", "97", ":6:", "expected '<left id> <right id>'")]
    [InlineData("merge-1", "97 256", ":6:", "must refer to byte or earlier merge ids")]
    [InlineData("merge-2", "258 259", ":7:", "must refer to byte or earlier merge ids")]
    [InlineData("count", "merges 5", ":8:", "unexpected end of file")]
    [InlineData("extra", "1 2", ":8:", "unexpected content after 2 merges")]
    public void Load_CorruptFile_ErrorNamesFileAndLine(string where, string replacement, string line, string message)
    {
        using var dir = new TempFolder();
        var path = dir.File("bad.bpe");
        BpeTokenizer.Train(["ab ab ab", "abc"], 300).Save(path);
        var lines = File.ReadAllText(path).Split('\n').ToList();
        var index = where switch
        {
            "header" => 0,
            "pattern" => 1,
            "max-chunk-chars" => 2,
            "specials" => 3,
            "count" => 4,
            "merge-1" => 5,
            "merge-2" => 6,
            _ => -1,
        };
        if (index >= 0)
        {
            lines[index] = replacement;
        }
        else
        {
            lines.Insert(7, replacement);
        }
        File.WriteAllText(path, string.Join('\n', lines));

        var e = Assert.Throws<InvalidDataException>(() => BpeTokenizer.Load(path));

        Assert.Contains(path + line, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Load_MissingFile_NamesIt()
    {
        var e = Assert.Throws<FileNotFoundException>(() => BpeTokenizer.Load("/nonexistent/tok.bpe"));
        Assert.Contains("/nonexistent/tok.bpe", e.Message);
    }

    /// <summary>Valid UTF-16 mixing ASCII words, Latin-1, Greek, CJK, emoji, combining marks, digits and odd whitespace.</summary>
    internal static string RandomText(SeededRandom rng, int length)
    {
        var sb = new StringBuilder();
        while (sb.Length < length)
        {
            var kind = rng.NextInt(10);
            int cp = kind switch
            {
                0 or 1 or 2 => 'a' + rng.NextInt(26),
                3 => ' ',
                4 => " \t\n\r\u00A0\u3000\u2028"[rng.NextInt(7)],
                5 => 0x00C0 + rng.NextInt(0x0180),
                6 => 0x0391 + rng.NextInt(0x40),
                7 => 0x4E00 + rng.NextInt(0x200),
                8 => 0x1F600 + rng.NextInt(0x50),
                _ => rng.NextInt(3) switch { 0 => '0' + rng.NextInt(10), 1 => 0x0300 + rng.NextInt(0x70), _ => 0x21 + rng.NextInt(15) },
            };
            sb.Append(char.ConvertFromUtf32(cp));
        }
        return sb.ToString();
    }
}
