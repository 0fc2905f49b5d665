/* TorchExpFloat32Test: the torch-style float32 exp stays within one ulp of the correctly rounded value. */
package dev.spectune.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TorchExpFloat32Test {
    @Test
    void withinOneUlpOfCorrectlyRounded() {
        Random r = new Random(5);
        int differing = 0;
        for (int i = 0; i < 100_000; i++) {
            float x = (r.nextFloat() - 0.5f) * 40f;
            float exact = (float) Math.exp(x);
            float torch = TorchExpFloat32.exp(x);
            assertThat(Math.abs(torch - exact)).as("x = %s", x).isLessThanOrEqualTo(Math.ulp(exact));
            if (torch != exact) differing++;
        }
        System.out.printf("torch-style expf differs from the correctly rounded value on %d of 100000 inputs%n", differing);
        assertThat(TorchExpFloat32.exp(0f)).isEqualTo(1f);
        assertThat(TorchExpFloat32.exp(-200f)).isZero();
        assertThat(TorchExpFloat32.exp(200f)).isInfinite();
    }
}
