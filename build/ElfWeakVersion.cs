// Marks one symbol-version requirement of an ELF shared library as weak (VER_FLG_WEAK), so that the dynamic loader
// loads the library on a host whose copy of the providing library lacks that version.
//
// Why: TorchSharp 0.107's libLibTorchSharp.so is built with GCC 13 and asks for GLIBCXX_3.4.32 from libstdc++.so.6;
// Debian 12 and Ubuntu 22.04 stop at GLIBCXX_3.4.30, so the library fails to load there. The only symbol behind the
// requirement is _ZSt21ios_base_library_initv, which GCC 13's <iostream> references with a bare .globl and nothing
// relocates against. A weak version requirement is checked by the loader but not enforced, which is exactly that case.
// patchelf --clear-symbol-version leaves the version-needed record in place and does not help.
//
// The file compiles twice: into the build (an MSBuild task, build/TorchSharp.targets) and into a test project, which
// defines ELF_WEAK_VERSION_NO_TASK to leave out the task class (it needs MSBuild's assemblies).
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace ActorCodistill.Build
{
    public enum ElfPatchOutcome { Patched, AlreadyWeak }

    public static class ElfWeakVersion
    {
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlgWeak = 0x2;

        /// <summary>True if the file (a libstdc++.so.6, say) defines or names the version string, e.g. GLIBCXX_3.4.32.</summary>
        public static bool FileNamesVersion(string path, string version)
        {
            var needle = Encoding.ASCII.GetBytes(version + "\0");
            return HasExactString(File.ReadAllBytes(path), needle);
        }

        // The needle preceded by a NUL (or at offset 0): a whole string of a string table, not GLIBCXX_3.4.320's tail.
        private static bool HasExactString(byte[] bytes, byte[] needle)
        {
            for (int at = 0; at + needle.Length <= bytes.Length; at++)
            {
                if (bytes[at] != needle[0] || (at > 0 && bytes[at - 1] != 0)) continue;
                int k = 1;
                while (k < needle.Length && bytes[at + k] == needle[k]) k++;
                if (k == needle.Length) return true;
            }
            return false;
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on the requirement of <paramref name="version"/> from <paramref name="library"/> in the ELF
        /// file at <paramref name="path"/>, writing the result through a temporary file (so a hard link into a package
        /// cache is replaced, never written through). Throws InvalidDataException naming the file when the file is not a
        /// little-endian ELF64 library with exactly one such requirement.
        /// </summary>
        public static ElfPatchOutcome MarkWeak(string path, string library, string version)
        {
            var bytes = File.ReadAllBytes(path);
            int flagsOffset = FindRequirementFlags(bytes, path, library, version);
            ushort flags = BitConverter.ToUInt16(bytes, flagsOffset);
            if ((flags & VerFlgWeak) != 0) return ElfPatchOutcome.AlreadyWeak;
            flags |= VerFlgWeak;
            // A copy keeps the file's mode; File.Replace renames it over the original, so a hard link into a package
            // cache is replaced, never written through. (netstandard2.0 APIs only: MSBuild compiles this file too.)
            var temp = path + ".weak-version.tmp";
            File.Copy(path, temp, overwrite: true);
            try
            {
                using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write))
                {
                    stream.Position = flagsOffset;
                    stream.WriteByte((byte)(flags & 0xff));
                    stream.WriteByte((byte)(flags >> 8));
                }
                File.Replace(temp, path, null);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            return ElfPatchOutcome.Patched;
        }

        /// <summary>Every version the file requires, as (library, version, weak).</summary>
        public static IReadOnlyList<(string Library, string Version, bool Weak)> Requirements(string path)
        {
            var bytes = File.ReadAllBytes(path);
            var result = new List<(string, string, bool)>();
            WalkRequirements(bytes, path, (lib, ver, flagsOffset) =>
                result.Add((lib, ver, (BitConverter.ToUInt16(bytes, flagsOffset) & VerFlgWeak) != 0)));
            return result;
        }

        private static int FindRequirementFlags(byte[] bytes, string path, string library, string version)
        {
            var found = new List<int>();
            WalkRequirements(bytes, path, (lib, ver, flagsOffset) =>
            {
                if (lib == library && ver == version) found.Add(flagsOffset);
            });
            if (found.Count != 1)
                throw new InvalidDataException(
                    $"{path}: expected exactly one requirement of {version} from {library} in .gnu.version_r, found " +
                    $"{found.Count}; the library's shape is not the one this fix was written for (see build/ElfWeakVersion.cs)");
            return found[0];
        }

        private static void WalkRequirements(byte[] b, string path, Action<string, string, int> visit)
        {
            if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
                throw new InvalidDataException($"{path}: not an ELF file");
            if (b[4] != 2 || b[5] != 1)
                throw new InvalidDataException($"{path}: not a little-endian 64-bit ELF file (class {b[4]}, data {b[5]})");
            ulong shoff = U64(b, 0x28, path);
            int shentsize = U16(b, 0x3a, path);
            int shnum = U16(b, 0x3c, path);
            if (shentsize < 64 || shnum == 0)
                throw new InvalidDataException($"{path}: no section headers (shentsize {shentsize}, shnum {shnum})");

            for (int s = 0; s < shnum; s++)
            {
                long sh = Checked((long)shoff + (long)s * shentsize, 64, b, path);
                if (U32(b, sh + 4, path) != ShtGnuVerneed) continue;
                long off = (long)U64(b, sh + 0x18, path);
                long size = (long)U64(b, sh + 0x20, path);
                uint link = U32(b, sh + 0x28, path);
                uint count = U32(b, sh + 0x2c, path); // sh_info: number of Verneed entries
                long strSh = Checked((long)shoff + (long)link * shentsize, 64, b, path);
                long strOff = (long)U64(b, strSh + 0x18, path);
                long strSize = (long)U64(b, strSh + 0x20, path);
                Checked(off, size, b, path);
                Checked(strOff, strSize, b, path);

                long need = off;
                for (uint n = 0; n < count && need < off + size; n++)
                {
                    int cnt = U16(b, need + 2, path);
                    string file = Str(b, strOff, strSize, U32(b, need + 4, path), path);
                    long aux = need + U32(b, need + 8, path);
                    for (int a = 0; a < cnt; a++)
                    {
                        string name = Str(b, strOff, strSize, U32(b, aux + 8, path), path);
                        visit(file, name, (int)Checked(aux + 4, 2, b, path));
                        uint nextAux = U32(b, aux + 12, path);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = U32(b, need + 12, path);
                    if (next == 0) break;
                    need += next;
                }
                return;
            }
            throw new InvalidDataException($"{path}: no .gnu.version_r section (the library requires no symbol versions)");
        }

        private static long Checked(long offset, long length, byte[] b, string path)
        {
            if (offset < 0 || length < 0 || offset + length > b.Length)
                throw new InvalidDataException($"{path}: truncated or damaged ELF file (offset {offset} + {length} past {b.Length} bytes)");
            return offset;
        }

        private static ushort U16(byte[] b, long at, string path) => BitConverter.ToUInt16(b, (int)Checked(at, 2, b, path));
        private static uint U32(byte[] b, long at, string path) => BitConverter.ToUInt32(b, (int)Checked(at, 4, b, path));
        private static ulong U64(byte[] b, long at, string path) => BitConverter.ToUInt64(b, (int)Checked(at, 8, b, path));

        private static string Str(byte[] b, long tableOffset, long tableSize, uint index, string path)
        {
            if (index >= tableSize) throw new InvalidDataException($"{path}: string index {index} outside .dynstr");
            long start = tableOffset + index;
            long end = start;
            while (end < tableOffset + tableSize && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)start, (int)(end - start));
        }
    }
}

#if !ELF_WEAK_VERSION_NO_TASK
namespace ActorCodistill.Build
{
    /// <summary>MSBuild task: marks Version from Library weak in every file of Files, when the host lacks it.</summary>
    public sealed class MarkElfVersionWeak : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required] public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();
        [Microsoft.Build.Framework.Required] public string Library { get; set; } = "";
        [Microsoft.Build.Framework.Required] public string Version { get; set; } = "";
        /// <summary>The host's copy of Library; when it names Version, nothing is patched.</summary>
        public string HostLibrary { get; set; } = "";

        public override bool Execute()
        {
            if (HostLibrary.Length > 0 && File.Exists(HostLibrary) && ElfWeakVersion.FileNamesVersion(HostLibrary, Version))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, $"{HostLibrary} has {Version}: no patch needed");
                return true;
            }
            foreach (var item in Files)
            {
                try
                {
                    var outcome = ElfWeakVersion.MarkWeak(item.ItemSpec, Library, Version);
                    if (outcome == ElfPatchOutcome.Patched)
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                            $"{item.ItemSpec}: {Version} from {Library} marked weak (host libstdc++ lacks it)");
                }
                catch (InvalidDataException e)
                {
                    Log.LogError(e.Message);
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
}
#endif
