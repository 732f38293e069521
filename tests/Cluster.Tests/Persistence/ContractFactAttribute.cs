using Xunit.Abstractions;
using Xunit.Sdk;

namespace ActorCodistill.Cluster.Tests.Persistence;

/// <summary>Marks a concrete contract-test class whose store needs PostgreSQL.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresPostgresAttribute : Attribute;

/// <summary>
/// A fact declared once on an abstract contract class and run by every concrete subclass.
/// Unlike <see cref="PostgresFactAttribute"/>, whose skip is fixed per method, the skip here is
/// decided per test class: the inherited facts of a <see cref="RequiresPostgresAttribute"/> class
/// are skipped when no PostgreSQL is configured, those of the SQLite class never are.
/// </summary>
[XunitTestCaseDiscoverer("ActorCodistill.Cluster.Tests.Persistence.ContractFactDiscoverer", "ActorCodistill.Cluster.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;

public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        new ContractTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
}

public sealed class ContractTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ContractTestCase()
    {
    }

    public ContractTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute)
    {
        var declared = base.GetSkipReason(factAttribute);
        if (!string.IsNullOrEmpty(declared))
            return declared;
        var needsPostgres = TestMethod.TestClass.Class
            .GetCustomAttributes(typeof(RequiresPostgresAttribute).AssemblyQualifiedName!)
            .Any();
        return needsPostgres ? PostgresTestDatabase.SkipReason! : null!;
    }
}
