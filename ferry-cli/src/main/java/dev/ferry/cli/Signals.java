package dev.ferry.cli;

import java.lang.reflect.Proxy;
import java.util.List;

/**
 * SIGTERM and SIGINT as a call instead of the JVM's default (run the shutdown hooks, exit 143 or
 * 130): a server stopped by its supervisor finishes what is in flight and exits 0, as an orderly
 * stop should.
 *
 * <p>Through {@code sun.misc.Signal}, the JDK's one way to catch a signal, reached by reflection
 * because it is an unsupported API: where it is missing, the signals keep their default meaning
 * and {@link #install} says so.
 */
final class Signals {
    private Signals() {}

    /**
     * Calls {@code onSignal} (on a JVM signal thread) when SIGTERM or SIGINT arrives.
     *
     * @return whether the handlers were installed
     */
    static boolean install(Runnable onSignal) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object h = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                    onSignal.run();
                    return null;
                }
                return method.getName().equals("toString") ? "ferry signal handler" : method.invoke(proxy, args);
            });
            for (String name : List.of("TERM", "INT")) {
                Object s = signal.getConstructor(String.class).newInstance(name);
                signal.getMethod("handle", signal, handler).invoke(null, s, h);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }
}
