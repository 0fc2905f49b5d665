/*
 * TorchCheckpointTest: PyTorch zip checkpoints laid out as torch.save writes them (made by
 * src/test/resources/torchzip/make_fixtures.py with Python's own pickle) read without running
 * anything: an LDM-style {"state_dict": …, "global_step": …} with float32, float16 and int64
 * tensors, a view into a shared storage and a Parameter; a transposed tensor and a pickle that
 * calls os.system refused by name.
 */
package dev.spectune.checkpoint.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchCheckpointTest {

    static Path fixture(String name) throws Exception {
        return Path.of(TorchCheckpointTest.class.getResource("/torchzip/" + name).toURI());
    }

    @Test
    void anLdmCheckpointsStateDictIsReadInPlace() throws Exception {
        try (SafetensorsFile f = TorchCheckpoint.open(fixture("sd_like.ckpt"))) {
            assertThat(f.names()).containsExactly("model.diffusion_model.conv.weight", "model.diffusion_model.view", "first_stage_model.half",
                    "cond_stage_model.position_ids");
            assertThat(f.info("model.diffusion_model.conv.weight").shape()).containsExactly(2, 3);
            assertThat(f.floats("model.diffusion_model.conv.weight")).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(f.floats("model.diffusion_model.view")).containsExactly(7, 8);                   // offset 6 into the shared storage
            assertThat(f.info("first_stage_model.half").dtype()).isEqualTo(DType.F16);
            assertThat(f.floats("first_stage_model.half")).containsExactly(0.5f, -1.5f, 2f, 65504f);  // a Parameter
            assertThat(f.longs("cond_stage_model.position_ids")).containsExactly(1, -2, 3);
            assertThat(f.metadata()).containsEntry("format", "pt").containsEntry("ignored", "global_step,epoch,name");
        }
    }

    @Test
    void aNonContiguousTensorIsRefusedByName() {
        assertThatThrownBy(() -> TorchCheckpoint.open(fixture("transposed.bin"))).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor 'w' [3, 2] has strides [1, 3]").hasMessageContaining("contiguous");
    }

    @Test
    void aPickleThatCallsCodeIsRefusedNamingTheCall() {
        assertThatThrownBy(() -> TorchCheckpoint.open(fixture("code.pt"))).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("code.pt: refused: the pickle holds a reference to posix.system").hasMessageContaining("never code")
                .hasMessageContaining("safetensors");
    }

    @Test
    void theLegacyFormatAndDamagedZipsAreRefused(@TempDir Path dir) throws Exception {
        Path legacy = Files.write(dir.resolve("old.ckpt"), new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        assertThatThrownBy(() -> TorchCheckpoint.open(legacy)).hasMessageContaining("legacy format").hasMessageContaining("safetensors");
        byte[] whole = Files.readAllBytes(fixture("sd_like.ckpt"));
        Path cut = Files.write(dir.resolve("cut.ckpt"), java.util.Arrays.copyOf(whole, whole.length - 40));
        assertThatThrownBy(() -> TorchCheckpoint.open(cut)).isInstanceOf(CheckpointException.class).hasMessageContaining("cut.ckpt");
    }

    /** The golden single-file SD checkpoint written as a .ckpt opens as the same components with the same tensors. */
    @Test
    void aSingleFileCkptOpensAsItsSafetensorsTwin(@TempDir Path dir) throws Exception {
        Path golden = dev.spectune.runtime.Fixtures.locate().orElseThrow().resolve("golden/ldm_single_file_tiny/tiny_sd1_ldm.safetensors");
        Path ckpt = dir.resolve("tiny_sd1_ldm.ckpt");
        try (SafetensorsFile f = SafetensorsFile.open(golden)) {
            TorchZipWriter.write(f, ckpt);
        }
        try (dev.spectune.checkpoint.Checkpoint a = dev.spectune.checkpoint.Checkpoint.open(golden);
             dev.spectune.checkpoint.Checkpoint b = dev.spectune.checkpoint.Checkpoint.open(ckpt)) {
            assertThat(b.format()).isEqualTo(a.format());
            assertThat(b.components().keySet()).isEqualTo(a.components().keySet());
            for (String c : a.components().keySet()) {
                assertThat(b.component(c).keys()).as(c).isEqualTo(a.component(c).keys());
                for (String k : a.component(c).keys()) {
                    assertThat(b.component(c).read(k, org.nd4j.linalg.api.buffer.DataType.FLOAT)).as(c + " " + k)
                            .isEqualTo(a.component(c).read(k, org.nd4j.linalg.api.buffer.DataType.FLOAT));
                }
            }
        }
    }
}
