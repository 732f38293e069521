using ActorCodistill.Build;
using TorchSharp;

namespace ActorCodistill.Build.Tests;

/// <summary>
/// The build marks libLibTorchSharp.so's GLIBCXX_3.4.32 requirement weak where the host's libstdc++ lacks it
/// (build/TorchSharp.targets). These tests run the patch on a pristine copy from the package cache, and load TorchSharp
/// from this test's own output, which the build patched.
/// </summary>
public sealed class ElfWeakVersionTests : IDisposable
{
    private const string Library = "libstdc++.so.6";
    private const string Version = "GLIBCXX_3.4.32";
    private readonly string _dir = Directory.CreateTempSubdirectory("elf-weak-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The package's copy, as NuGet unpacked it (never patched: the build writes only output copies).
    private static string PristineLibrary()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                   ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var version = typeof(torch).Assembly.GetName().Version!;
        var path = Path.Combine(root, "torchsharp", $"{version.Major}.{version.Minor}.{version.Build}",
            "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"TorchSharp's native library is not in the package cache at {path}");
        return path;
    }

    private string CopyOfPristine()
    {
        var copy = Path.Combine(_dir, "libLibTorchSharp.so");
        File.Copy(PristineLibrary(), copy);
        return copy;
    }

    [Fact]
    public void MarkWeak_OnThePackagesLibrary_SetsTheFlagOnThatRequirementOnly()
    {
        var copy = CopyOfPristine();
        var before = ElfWeakVersion.Requirements(copy);
        Assert.Contains(before, r => r is { Library: Library, Version: Version, Weak: false });

        Assert.Equal(ElfPatchOutcome.Patched, ElfWeakVersion.MarkWeak(copy, Library, Version));

        var after = ElfWeakVersion.Requirements(copy);
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++)
        {
            var expectWeak = before[i].Weak || (before[i].Library == Library && before[i].Version == Version);
            Assert.Equal((before[i].Library, before[i].Version, expectWeak), after[i]);
        }
        // One flag bit in one byte differs, nothing else.
        var a = File.ReadAllBytes(PristineLibrary());
        var b = File.ReadAllBytes(copy);
        Assert.Equal(a.Length, b.Length);
        Assert.Single(Enumerable.Range(0, a.Length), i => a[i] != b[i]);
    }

    [Fact]
    public void MarkWeak_Twice_SecondTimeChangesNothing()
    {
        var copy = CopyOfPristine();
        ElfWeakVersion.MarkWeak(copy, Library, Version);
        var once = File.ReadAllBytes(copy);
        Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfWeakVersion.MarkWeak(copy, Library, Version));
        Assert.Equal(once, File.ReadAllBytes(copy));
    }

    [Fact]
    public void MarkWeak_AVersionTheLibraryDoesNotRequire_RefusesNamingTheFile()
    {
        var copy = CopyOfPristine();
        var e = Assert.Throws<InvalidDataException>(() => ElfWeakVersion.MarkWeak(copy, Library, "GLIBCXX_9.9.99"));
        Assert.Contains(copy, e.Message);
        Assert.Contains("found 0", e.Message);
        Assert.Equal(File.ReadAllBytes(PristineLibrary()), File.ReadAllBytes(copy));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(4096)]
    public void MarkWeak_ATruncatedOrForeignFile_RefusesNamingTheFile(int length)
    {
        var path = Path.Combine(_dir, "damaged.so");
        var bytes = File.ReadAllBytes(PristineLibrary());
        File.WriteAllBytes(path, bytes.AsSpan(0, Math.Min(length, bytes.Length)).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => ElfWeakVersion.MarkWeak(path, Library, Version));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void MarkWeak_ReplacesTheFile_NeverWritesThroughAHardLink()
    {
        var copy = CopyOfPristine();
        var link = Path.Combine(_dir, "linked.so");
        Assert.Equal(0, System.Diagnostics.Process.Start("ln", [copy, link])!.WaitForExitAndCode());
        ElfWeakVersion.MarkWeak(link, Library, Version);
        Assert.Contains(ElfWeakVersion.Requirements(copy), r => r is { Library: Library, Version: Version, Weak: false });
        Assert.Contains(ElfWeakVersion.Requirements(link), r => r is { Library: Library, Version: Version, Weak: true });
    }

    [Fact]
    public void FileNamesVersion_MatchesWholeStringsOnly()
    {
        var path = Path.Combine(_dir, "strings.bin");
        File.WriteAllBytes(path, "\0GLIBCXX_3.4.30\0XGLIBCXX_3.4.32\0"u8.ToArray());
        Assert.True(ElfWeakVersion.FileNamesVersion(path, "GLIBCXX_3.4.30"));
        Assert.False(ElfWeakVersion.FileNamesVersion(path, "GLIBCXX_3.4.3"));
        Assert.False(ElfWeakVersion.FileNamesVersion(path, Version));
    }

    [Fact]
    public void TorchSharp_LoadsFromThisBuildsOutput_AndComputes()
    {
        // Fails with "GLIBCXX_3.4.32 not found" on Debian 12 when the build did not patch the output copy.
        Assert.StartsWith("2.10", torch.__version__);
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
        using var p = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, p.data<float>().ToArray());
    }
}

internal static class ProcessExtensions
{
    public static int WaitForExitAndCode(this System.Diagnostics.Process p)
    {
        p.WaitForExit();
        return p.ExitCode;
    }
}
