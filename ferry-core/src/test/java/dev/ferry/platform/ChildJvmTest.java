package dev.ferry.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChildJvmTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void anExitStatusAndOutputComeBack() throws IOException {
        ChildJvm.Outcome o = ChildJvm.run(ChildMains.Exit.class.getName(), List.of("-Xmx64m"), List.of("7", "x"),
                Map.of(), LIMIT);
        assertEquals(7, o.exitCode());
        assertFalse(o.ok());
        assertEquals("", o.signal());
        assertTrue(o.output().contains("args 7,x"), o.output());
        assertEquals("exited 7: args 7,x", o.describe());
        assertTrue(ChildJvm.run(ChildMains.Exit.class.getName(), List.of(), List.of("0"), Map.of(), LIMIT).ok());
    }

    @Test
    void aNativeCrashIsOneOutcomeNamingTheSignalAndTheFrame() throws IOException {
        ChildJvm.Outcome o = ChildJvm.run(ChildMains.Segfault.class.getName(), List.of("-Xmx64m"), List.of(),
                Map.of(), LIMIT);
        assertFalse(o.ok());
        assertFalse(o.output().contains("survived"), o.output());
        assertEquals("SIGSEGV", o.signal(), o.output());
        assertFalse(o.frame().isEmpty(), o.output());
        assertTrue(o.describe().startsWith("died of SIGSEGV in "), o.describe());
    }

    @Test
    void aChildPastItsTimeIsKilled() throws IOException {
        ChildJvm.Outcome o = ChildJvm.run(ChildMains.Sleep.class.getName(), List.of("-Xmx64m"), List.of(), Map.of(),
                Duration.ofSeconds(2));
        assertTrue(o.timedOut());
        assertFalse(o.ok());
        assertTrue(o.describe().startsWith("ran past its time limit"), o.describe());
    }

    @Test
    void readsTheSignalAndFrameOfAFatalErrorReport() {
        String report = String.join("\n",
                "#",
                "# A fatal error has been detected by the Java Runtime Environment:",
                "#",
                "#  SIGFPE (0x8) at pc=0x00007f291006937c, pid=1778, tid=1780",
                "#",
                "# JRE version: OpenJDK Runtime Environment (17.0.15+6) (build 17.0.15+6-Debian-1deb12u1)",
                "# Problematic frame:",
                "# C  [libtorch_cpu.so+0x1166937c]  dnnl::impl::cpu::x64::brgemm_convolution_utils::brg_blocking_t::est_eff_1x1()+0xa5c",
                "#");
        assertArrayEquals(new String[] {"SIGFPE",
            "[libtorch_cpu.so+0x1166937c] dnnl::impl::cpu::x64::brgemm_convolution_utils::brg_blocking_t::est_eff_1x1()+0xa5c"},
                ChildJvm.crash(report));
        assertArrayEquals(new String[] {"", ""}, ChildJvm.crash("ok 30\n"));
    }
}
