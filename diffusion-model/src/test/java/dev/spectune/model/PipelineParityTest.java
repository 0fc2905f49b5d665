/* PipelineParityTest: the tiny golden pipeline (DDIM, 4 steps, guidance 7.5) matches diffusers step by step. */
package dev.spectune.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.parity.ParityReport;
import dev.spectune.model.parity.PipelineParity;
import dev.spectune.testing.TestFixtures;
import org.junit.jupiter.api.Test;

class PipelineParityTest {
    @Test
    void tinyPipelineMatchesDiffusers() {
        ParityReport r = PipelineParity.run(TestFixtures.path("golden/pipeline_tiny"));
        System.out.print(r.render());
        assertThat(r.lines()).hasSize(9);
        assertThat(r.allPass()).as(r.render()).isTrue();
    }
}
