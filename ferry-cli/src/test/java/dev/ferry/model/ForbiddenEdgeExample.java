package dev.ferry.model;

/**
 * A class that breaks the layering on purpose (the model using the command line), for the test
 * that shows the architecture rules catch it. Test code only; never part of ferry.
 */
public final class ForbiddenEdgeExample {
    private ForbiddenEdgeExample() {}

    public static String version() {
        return dev.ferry.cli.FerryCli.version();
    }
}
