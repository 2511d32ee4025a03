package dev.ferry;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers the package-info files describe, checked on the compiled classes: no package cycle,
 * no edge upwards, nothing imports the command line, picocli only in it, Jetty only in the server, Spark only in
 * the Spark layer and the command line's Spark command, the model knows no
 * images or training, the data knows no network.
 */
class ArchitectureTest {
    static JavaClasses production;

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.ferry");
    }

    /** Every rule of the architecture. */
    static List<ArchRule> rules() {
        return List.of(
                slices().matching("dev.ferry.(*)..").should().beFreeOfCycles(),
                layeredArchitecture().consideringOnlyDependenciesInLayers()
                        .layer("platform").definedBy("dev.ferry.platform..")
                        .layer("data").definedBy("dev.ferry.data..")
                        .layer("model").definedBy("dev.ferry.model..")
                        .layer("weights").definedBy("dev.ferry.weights..")
                        .layer("eval").definedBy("dev.ferry.eval..")
                        .layer("train").definedBy("dev.ferry.train..")
                        .layer("workflow").definedBy("dev.ferry.workflow..")
                        .layer("demo").definedBy("dev.ferry.demo..")
                        .layer("serve").definedBy("dev.ferry.serve..")
                        .layer("spark").definedBy("dev.ferry.spark..")
                        .layer("bench").definedBy("dev.ferry.bench..")
                        .layer("cli").definedBy("dev.ferry.cli..")
                        .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                        .whereLayer("demo").mayOnlyBeAccessedByLayers("cli")
                        .whereLayer("bench").mayOnlyBeAccessedByLayers("cli")
                        .whereLayer("serve").mayOnlyBeAccessedByLayers("cli")
                        .whereLayer("spark").mayOnlyBeAccessedByLayers("cli")
                        .whereLayer("workflow").mayOnlyBeAccessedByLayers("demo", "bench", "serve", "spark", "cli")
                        .whereLayer("train").mayOnlyBeAccessedByLayers("workflow", "demo", "bench", "serve", "spark", "cli")
                        .whereLayer("eval").mayOnlyBeAccessedByLayers("train", "workflow", "demo", "bench", "serve", "spark", "cli")
                        .whereLayer("weights").mayOnlyBeAccessedByLayers("train", "workflow", "demo", "bench", "spark", "cli")
                        .whereLayer("model").mayOnlyBeAccessedByLayers("weights", "train", "workflow", "demo", "bench", "serve", "spark", "cli")
                        .whereLayer("data").mayOnlyBeAccessedByLayers("weights", "train", "workflow", "demo", "bench", "serve", "spark", "cli"),
                noClasses().that().resideOutsideOfPackage("dev.ferry.cli..")
                        .should().dependOnClassesThat().resideInAPackage("picocli..")
                        .because("only the command line knows its parser"),
                noClasses().that().resideOutsideOfPackage("dev.ferry.serve..")
                        .should().dependOnClassesThat().resideInAnyPackage("org.eclipse.jetty..", "io.prometheus..")
                        .because("only the server knows its HTTP library and its metrics"),
                noClasses().that().resideOutsideOfPackage("dev.ferry.spark..")
                        .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark..", "org.apache.hadoop..", "scala..")
                        .because("only the Spark layer knows Spark: every other command runs without its jars"),
                noClasses().that().resideInAPackage("dev.ferry.model..")
                        .should().dependOnClassesThat().resideInAnyPackage("javax.imageio..", "java.awt..")
                        .because("the network knows tensors, not images"),
                noClasses().that().resideInAPackage("dev.ferry.data..")
                        .should().dependOnClassesThat().resideInAnyPackage("ai.djl..", "ai.onnxruntime..")
                        .because("image preparation is plain Java, testable without an engine"),
                noClasses().that().resideInAPackage("dev.ferry")
                        .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.(*)..")
                        .because("the root package is what every layer shares"));
    }

    @Test
    void theLayersHold() {
        for (ArchRule rule : rules()) {
            rule.check(production);
        }
    }

    /**
     * Not vacuous: the same rules fail on a class that adds one forbidden edge (a model class that
     * imports the command line) and on a pair of packages that use each other.
     */
    @Test
    void aForbiddenEdgeFails() {
        JavaClasses withEdge = new ClassFileImporter().importClasses(
                dev.ferry.model.ForbiddenEdgeExample.class, dev.ferry.cli.FerryCli.class);
        boolean failed = false;
        for (ArchRule rule : rules()) {
            EvaluationResult r = rule.allowEmptyShould(true).evaluate(withEdge);
            failed |= r.hasViolation();
        }
        assertTrue(failed, "a model class importing cli must break a rule");

        JavaClasses clean = new ClassFileImporter().importClasses(dev.ferry.model.Architecture.class,
                dev.ferry.cli.FerryCli.class);
        for (ArchRule rule : rules()) {
            assertFalse(rule.allowEmptyShould(true).evaluate(clean).hasViolation(), rule.getDescription());
        }
    }
}
