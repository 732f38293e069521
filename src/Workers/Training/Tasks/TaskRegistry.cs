using System.Reflection;
using System.Runtime.Loader;
using ActorCodistill.Cluster.Configuration;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Workers.Training.Tasks;

/// <summary>
/// The tasks a process can run, by the name <c>training.model</c> gives: the built-in ones, and users' own declared
/// in the process's configuration:
/// <code>
/// tasks {
///   transformer-lm {
///     assembly = "samples/TransformerLm/bin/Release/net10.0/ActorCodistill.Samples.TransformerLm.dll"
///     type = "ActorCodistill.Samples.TransformerLm.TransformerLmTask"
///     settings { d-model = 64 }     # handed to the task as TaskContext.Settings; travel with the job
///   }
/// }
/// </code>
/// Each node resolves a user task from its own configuration: a job names the task and carries its settings, never
/// an assembly to load, so a peer cannot make a worker node load code its operator did not list.
/// The assembly loads into the default context, so the task shares the trainer's TorchSharp.
/// </summary>
public static class TaskRegistry
{
    private static readonly Dictionary<string, Func<ITrainingTask>> BuiltIn = new(StringComparer.Ordinal)
    {
        [LanguageModelTask.Name] = () => new LanguageModelTask(),
        [CtrTask.Name] = () => new CtrTask(),
        [FashionMnistTask.Name] = () => new FashionMnistTask(),
    };

    private static readonly Dictionary<string, Func<ITrainingTask>> Declared = new(StringComparer.Ordinal);

    public static IReadOnlyCollection<string> BuiltInNames => BuiltIn.Keys;

    /// <summary>Every task name this process can run now.</summary>
    public static IReadOnlyCollection<string> Names
    {
        get
        {
            lock (Declared) return BuiltIn.Keys.Concat(Declared.Keys).ToArray();
        }
    }

    /// <summary>Makes <paramref name="name"/> run <paramref name="create"/>'s task in this process (tests, hosts that embed the trainer).</summary>
    public static void Register(string name, Func<ITrainingTask> create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (BuiltIn.ContainsKey(name)) throw new ArgumentException($"'{name}' is a built-in task; give the user task another name");
        lock (Declared) Declared[name] = create;
    }

    /// <summary>
    /// Declares the user tasks under <c>tasks</c> of <paramref name="root"/>: loads each assembly, checks the type, and
    /// registers it. Errors name the key and the file.
    /// </summary>
    public static void DeclareFrom(SettingsReader root)
    {
        var tasks = root.At("tasks");
        foreach (var name in root.Configuration.GetSection("tasks").GetChildren().Select(c => c.Key))
        {
            var entry = tasks.At(name);
            var assemblyPath = entry.GetString("assembly", allowEmpty: false);
            var typeName = entry.GetString("type", allowEmpty: false);
            var full = Path.GetFullPath(assemblyPath);
            if (!File.Exists(full))
                throw entry.Error("assembly", "the path of a .NET assembly that holds the task", $"no file at {full}");
            Assembly assembly;
            try
            {
                assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(full);
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException)
            {
                throw entry.Error("assembly", "a .NET assembly", $"{full} does not load: {e.Message}");
            }
            var type = assembly.GetType(typeName)
                ?? throw entry.Error("type", $"a type of {Path.GetFileName(full)}", $"it has no type '{typeName}'");
            if (!typeof(ITrainingTask).IsAssignableFrom(type) || type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null)
                throw entry.Error("type", $"a class implementing {nameof(ITrainingTask)} with a public parameterless constructor", $"'{typeName}' is not one");
            Register(name, () => (ITrainingTask)Activator.CreateInstance(type)!);
        }
    }

    /// <summary>The task <paramref name="name"/> names; an unknown name is an error listing the known ones.</summary>
    public static ITrainingTask Resolve(string name)
    {
        if (BuiltIn.TryGetValue(name, out var builtIn)) return builtIn();
        lock (Declared)
            if (Declared.TryGetValue(name, out var declared)) return declared();
        throw new ArgumentException(
            $"training.model: unknown task '{name}' (built in: {string.Join(", ", BuiltIn.Keys)}; declared under tasks: " +
            $"{(Declared.Count == 0 ? "none" : string.Join(", ", Declared.Keys))})");
    }

    /// <summary>The flattened <c>tasks.NAME.settings</c> of <paramref name="root"/> (key -> value), empty when there are none.</summary>
    public static IReadOnlyDictionary<string, string> SettingsOf(SettingsReader root, string name)
    {
        var section = root.Configuration.GetSection($"tasks:{name}:settings");
        var prefix = section.Path + ":";
        return section.AsEnumerable()
            .Where(kv => kv.Value is not null && kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..].Replace(':', '.'), kv => kv.Value!, StringComparer.Ordinal);
    }
}
