package dev.ferry.platform;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The real probe, in a child JVM on this machine. */
class ProbeTest {

    @Test
    void theProbeGivesAVerdictAndFindsTheKnownFault() {
        Optional<ConvPaths.Verdict> v = ConvPaths.probe();
        assertTrue(v.isPresent(), "the probe of oneDNN's 1x1 convolutions gave no verdict on this machine");
        String detail = v.get().detail();
        assertTrue(detail.matches(".* after \\d+ ms"), detail);
        ConvPaths.Machine here = ConvPaths.Machine.current();
        if (here.isaCap().isEmpty() && ConvPaths.knownFault(here.cpu()).isPresent()) {
            assertFalse(v.get().safe(), "oneDNN passed the probe on " + here.cpu().describe() + ": " + detail);
        }
        if (v.get().safe()) {
            assertTrue(detail.startsWith(PointwiseProbe.count() + " shapes"), detail);
        } else {
            assertTrue(detail.startsWith("died of SIG") || detail.startsWith("found a wrong "), detail);
        }
    }
}
