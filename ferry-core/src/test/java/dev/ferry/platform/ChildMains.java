package dev.ferry.platform;

/** Programs the child-JVM tests start. */
final class ChildMains {
    private ChildMains() {}

    /** Prints its arguments and exits with the status given as the first. */
    static final class Exit {
        public static void main(String[] args) {
            System.out.println("args " + String.join(",", args));
            System.out.flush();
            System.exit(Integer.parseInt(args[0]));
        }
    }

    /** Dies in native code: a store to address 0 raises SIGSEGV that no Java code can catch. */
    static final class Segfault {
        public static void main(String[] args) throws ReflectiveOperationException {
            java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            sun.misc.Unsafe unsafe = (sun.misc.Unsafe) f.get(null);
            unsafe.putAddress(0L, 42L);
            System.out.println("survived");
        }
    }

    /** Never ends by itself. */
    static final class Sleep {
        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(600_000);
        }
    }
}
