package dev.streamclassify.demo;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package rules of the whole product, on the classes of every module (demo sees them all): no package cycle
 * inside a module, no {@code internal} package used from another module, and streams-app's wire types at the bottom
 * of the app. Maven already forbids cycles between modules; these are the rules it cannot see.
 */
class ArchitectureTest {

    /** Package root of each module; a class belongs to the module whose root its package starts with. */
    private static final Map<String, String> MODULES = new LinkedHashMap<>();

    static {
        MODULES.put("model", "dev.streamclassify.model");
        MODULES.put("kafka-testkit", "dev.streamclassify.kafka.testkit");
        MODULES.put("service-support", "dev.streamclassify.service");
        MODULES.put("trainer", "dev.streamclassify.trainer");
        MODULES.put("streams-app", "dev.streamclassify.streams");
        MODULES.put("demo", "dev.streamclassify.demo");
    }

    private static final String WIRE = "dev.streamclassify.streams.wire";

    /** Main code of every module. */
    private static JavaClasses main;
    /** Test code of every module: tests must not reach into another module's internals either. */
    private static JavaClasses tests;

    @BeforeAll
    static void importClasses() {
        // our own class directories only: scanning the class path would read every DL4J jar (a minute under load);
        // classes they use from elsewhere become stubs, whose package names are all these rules look at
        main = new ClassFileImporter().importPaths(classDirectories("classes"));
        tests = new ClassFileImporter().importPaths(classDirectories("test-classes"));
        assertThat(MODULES.values()).allSatisfy(root ->
                assertThat(main.stream().anyMatch(c -> c.getPackageName().startsWith(root))).as("main classes of " + root).isTrue());
    }

    /** target/classes or target/test-classes of every module; all built by any reactor build that reaches demo. */
    private static List<Path> classDirectories(String kind) {
        List<Path> dirs = new ArrayList<>();
        for (String module : MODULES.keySet()) {
            Path dir = Path.of("..", module, "target", kind);
            assertThat(dir).as("%s of %s (build the modules first, e.g. mvn -pl demo -am verify)", kind, module).isDirectory();
            dirs.add(dir);
        }
        return dirs;
    }

    @Test
    void noPackageCycleInsideAModule() {
        slices().assignedFrom(EACH_PACKAGE).should().beFreeOfCycles().check(main);
    }

    @Test
    void noModuleUsesAnotherModulesInternalPackages() {
        ArchCondition<JavaClass> staysOutOfOthersInternals = new ArchCondition<>("use no internal package of another module") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                for (Dependency d : c.getDirectDependenciesFromSelf()) {
                    JavaClass target = d.getTargetClass();
                    Optional<String> targetModule = module(target);
                    if (isInternal(target) && targetModule.isPresent() && !targetModule.equals(module(c))) {
                        events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                    }
                }
            }
        };
        classes().should(staysOutOfOthersInternals).check(main);
        classes().should(staysOutOfOthersInternals).check(tests);
    }

    @Test
    void wireTypesImportNothingAboveThem() {
        noClasses().that().resideInAPackage(WIRE)
                .should().dependOnClassesThat().resideInAnyPackage("dev.streamclassify.streams", "dev.streamclassify.streams.batching..",
                        "dev.streamclassify.streams.config..", "dev.streamclassify.streams.metrics..", "dev.streamclassify.streams.models..",
                        "dev.streamclassify.streams.quality..", "dev.streamclassify.streams.topology..")
                .because("the records streams-app writes are the bottom of the app: every stage may use them, they use no stage")
                .check(main);
    }

    @Test
    void nothingBelowStreamsAppImportsItsWireTypes() {
        noClasses().that().resideOutsideOfPackages("dev.streamclassify.streams..", "dev.streamclassify.demo..")
                .should().dependOnClassesThat().resideInAPackage(WIRE)
                .because("model, service-support and trainer sit below streams-app")
                .check(main);
    }

    /** Every package is a slice of its own, internal ones included: an internal package may not call back up. */
    private static final SliceAssignment EACH_PACKAGE = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            return module(c).isPresent() ? SliceIdentifier.of(c.getPackageName()) : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "each package of the product";
        }
    };

    private static Optional<String> module(JavaClass c) {
        String p = c.getPackageName();
        return MODULES.entrySet().stream()
                .filter(e -> p.equals(e.getValue()) || p.startsWith(e.getValue() + "."))
                .map(Map.Entry::getKey).findFirst();
    }

    private static boolean isInternal(JavaClass c) {
        return ("." + c.getPackageName() + ".").contains(".internal.");
    }
}
