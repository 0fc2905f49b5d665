/*
 * Interruption: Ctrl-C (SIGINT) or a polite kill (SIGTERM) during the steps of `spectune train`
 * (and `world pretrain`)
 * ends the run with a checkpoint instead of losing the steps since the last one (kohya's
 * sd-scripts saves on KeyboardInterrupt the same way). The JVM runs shutdown hooks on those
 * signals while the main thread goes on: the hook marks the request and waits until the training
 * loop, at the end of its current step, has written the checkpoint. Installed for the loop only.
 */
package dev.spectune.training;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public final class Interruption implements AutoCloseable {

    /** How long the hook waits for the step under way and the checkpoint (an SD-1.5 512 px step takes ~30 s here). */
    static final long WAIT_MINUTES = 10;

    private final CountDownLatch handled = new CountDownLatch(1);
    private final Thread hook;
    private volatile boolean requested;

    private Interruption() {
        hook = new Thread(() -> {
            requested = true;
            System.err.println("interrupted: finishing the current step and writing a checkpoint (kill -9 to stop now, losing it)");
            try {
                handled.await(WAIT_MINUTES, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "spectune-train-interruption");
    }

    public static Interruption install() {
        Interruption i = new Interruption();
        Runtime.getRuntime().addShutdownHook(i.hook);
        return i;
    }

    /** Whether a signal asked the run to stop (checked after each step). */
    public boolean requested() {
        return requested;
    }

    /** The checkpoint is written (or the run ended): the JVM may exit. */
    public void handled() {
        handled.countDown();
    }

    @Override
    public void close() {
        handled();
        if (!requested) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting already; the hook has nothing to wait for
            }
        }
    }
}
