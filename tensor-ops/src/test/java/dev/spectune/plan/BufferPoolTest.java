/*
 * BufferPoolTest: a buffer handed out under many shapes in turn stays one allocation deep (a view
 * of the array as allocated, never a view of a view), and the pool allocates once per length.
 */
package dev.spectune.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.runtime.Nd4jRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

class BufferPoolTest {

    @BeforeAll
    static void init() {
        Nd4jRuntime.init();
    }

    private static int depth(INDArray a) {
        int d = 0;
        for (DataBuffer b = a.data(); b.underlyingDataBuffer() != null && b.underlyingDataBuffer() != b; b = b.underlyingDataBuffer()) d++;
        return d;
    }

    @Test
    void reshapedBuffersStayOneViewDeepRunAfterRun() {
        BufferPool pool = new BufferPool();
        long[][] shapes = {{2, 3}, {3, 2}, {6}, {1, 6}};
        INDArray first = pool.take(LongShapeDescriptor.fromShape(shapes[0], DataType.FLOAT));
        pool.release(first);
        int deepest = 0;
        for (int run = 0; run < 200; run++) {
            INDArray a = pool.take(LongShapeDescriptor.fromShape(shapes[run % shapes.length], DataType.FLOAT));
            INDArray b = pool.reshape(a, new long[] {6, 1});
            deepest = Math.max(deepest, Math.max(depth(a), depth(b)));
            pool.release(b);
        }
        assertThat(deepest).isLessThanOrEqualTo(1);
        assertThat(pool.bytes()).isEqualTo(6L * 4);
    }
}
