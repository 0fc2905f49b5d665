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
import org.nd4j.linalg.factory.Nd4j;

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

    @Test
    void aFreeBufferServesSmallerRequestsUpToTheSlack() {
        BufferPool pool = new BufferPool();
        INDArray big = pool.take(LongShapeDescriptor.fromShape(new long[] {10, 10}, DataType.FLOAT));
        pool.release(big);
        INDArray smaller = pool.take(LongShapeDescriptor.fromShape(new long[] {3, 20}, DataType.FLOAT));   // 60 of 100: reused
        assertThat(smaller.shape()).containsExactly(3, 20);
        assertThat(smaller.ordering()).isEqualTo('c');
        assertThat(pool.bytes()).as("no new allocation").isEqualTo(100L * 4);
        smaller.assign(Nd4j.linspace(DataType.FLOAT, 1, 60, 1).reshape(3, 20));
        assertThat(smaller.getFloat(2, 19)).isEqualTo(60f);
        assertThat(smaller.sum().getDouble(0)).isEqualTo(1830.0);                                         // only its 60 elements
        INDArray tiny = pool.take(LongShapeDescriptor.fromShape(new long[] {40}, DataType.FLOAT));         // no free buffer left: new
        pool.release(smaller);
        INDArray tooSmall = pool.take(LongShapeDescriptor.fromShape(new long[] {49}, DataType.FLOAT));     // 100 > 2 x 49: new
        assertThat(pool.bytes()).isEqualTo((100L + 40 + 49) * 4);
        pool.release(tiny);
        pool.release(tooSmall);
        INDArray exact = pool.take(LongShapeDescriptor.fromShape(new long[] {5, 8}, DataType.FLOAT));      // the 40 fits best
        assertThat(exact.length()).isEqualTo(40);
        assertThat(pool.bytes()).isEqualTo((100L + 40 + 49) * 4);
    }

    /** Settled between runs, the same sequence of requests gets the same arrays (views made once), whatever order the last run returned them in. */
    @Test
    void aSettledPoolHandsOutTheSameArraysRunAfterRun() {
        BufferPool pool = new BufferPool();
        long[][] shapes = {{4, 4}, {16}, {2, 8}, {4, 4}};
        java.util.List<INDArray> firstRun = null;
        for (int run = 0; run < 4; run++) {
            java.util.List<INDArray> taken = new java.util.ArrayList<>();
            for (long[] s : shapes) taken.add(pool.take(LongShapeDescriptor.fromShape(s, DataType.FLOAT)));
            if (run % 2 == 0) java.util.Collections.reverse(taken);                              // returned in another order
            for (INDArray a : taken) pool.release(a);
            if (run % 2 == 0) java.util.Collections.reverse(taken);
            pool.settle();
            if (firstRun == null) firstRun = taken;
            else for (int i = 0; i < shapes.length; i++) assertThat(taken.get(i)).as("run %d, request %d", run, i).isSameAs(firstRun.get(i));
        }
        assertThat(pool.bytes()).isEqualTo(4L * 16 * 4);
    }
}
