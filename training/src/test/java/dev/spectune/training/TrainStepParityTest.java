/* TrainStepParityTest: loss and the gradient of every UNet and text-encoder parameter match torch autograd (1e-3). */
package dev.spectune.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.parity.ParityReport;
import dev.spectune.testing.TestFixtures;
import dev.spectune.training.parity.TrainStepParity;
import org.junit.jupiter.api.Test;

class TrainStepParityTest {
    @Test
    void dreamBoothStepGradientsMatchTorch() {
        ParityReport r = TrainStepParity.run(TestFixtures.path("golden/train_step_tiny"));
        r.lines().stream().filter(l -> !l.name().startsWith("grad.") || !l.ok()).forEach(System.out::println);
        System.out.println(r.summary());
        assertThat(r.lines()).hasSize(5 + 208 + 36);
        assertThat(r.allPass()).as(r.summary()).isTrue();
    }
}
