package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.CommandIntake;
import dev.streamclassify.trainer.control.intake.Request;
import dev.streamclassify.trainer.control.intake.RequestLog;
import dev.streamclassify.trainer.control.retrain.CommandRunner;
import dev.streamclassify.service.Consumers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.CancellationException;

/**
 * The control topic's consumer group member. The poll thread admits records and keeps polling, so the member is
 * never fenced however long a training takes; one worker thread runs the commands in order, one at a time. A
 * record's offset is committed only after its outcome is on the status topic (at-least-once), and never past an
 * unfinished record. When the worker's queue is full the partitions are paused, so further commands wait in Kafka.
 *
 * <p>On revocation, queued commands of the lost partitions are dropped (their new owner runs them) and a running one
 * is waited for, up to the shutdown timeout, then committed. On assignment the request log is read up to the end of
 * the status topic before any record is admitted, so a request that another instance finished is not run again.
 *
 * <p>Any error the loop cannot recover from stops it and is reported by {@link #failure()}: an orchestrator should
 * restart the process, which then resumes from the last commit. Thread-safe to start, query and close.
 */
final class ControlLoop implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlLoop.class);
    static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

    private final String topic;
    private final Map<String, Object> consumerProperties;
    private final CommandIntake intake;
    private final CommandRunner runner;
    private final RequestLog requests;
    private final Admin admin;
    private final Duration catchUpTimeout;
    private final int queueMax;
    private final Duration shutdownTimeout;

    private final Thread pollThread;
    private final Thread workerThread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Request> finished = new ConcurrentLinkedQueue<>();
    private final OffsetTracker offsets = new OffsetTracker();

    /** Guards {@link #queue}, {@link #owned}, {@link #running} and {@link #cancelRunning}. */
    private final Object lock = new Object();
    private final Queue<Request> queue = new ArrayDeque<>();
    private final Set<TopicPartition> owned = new HashSet<>();
    private Request running;
    private boolean cancelRunning;

    private volatile Consumer<String, byte[]> consumer;

    ControlLoop(String topic, String groupId, Map<String, Object> consumerProperties, CommandIntake intake, CommandRunner runner,
                RequestLog requests, Admin admin, Duration catchUpTimeout, int queueMax, Duration shutdownTimeout) {
        this.topic = topic;
        Map<String, Object> p = new HashMap<>(consumerProperties);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "trainer-control");
        this.consumerProperties = p;
        this.intake = intake;
        this.runner = runner;
        this.requests = requests;
        this.admin = admin;
        this.catchUpTimeout = catchUpTimeout;
        this.queueMax = queueMax;
        this.shutdownTimeout = shutdownTimeout;
        this.pollThread = new Thread(this::pollLoop, "trainer-control");
        this.workerThread = new Thread(this::workLoop, "trainer-worker");
    }

    void start() {
        workerThread.start();
        pollThread.start();
    }

    /** Whether the member holds a control partition and has read the status topic up to its end: it handles commands. */
    boolean handlingCommands() {
        synchronized (lock) {
            return !owned.isEmpty() && failure.get() == null && stop.getCount() > 0;
        }
    }

    Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    /** Commands accepted and not finished: queued plus running. */
    int backlog() {
        synchronized (lock) {
            return queue.size() + (running == null ? 0 : 1);
        }
    }

    /** Blocks until the loop has stopped, by {@link #close()} or by a failure. */
    void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    private void pollLoop() {
        try (Consumer<String, byte[]> c = new KafkaConsumer<>(consumerProperties, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            c.subscribe(List.of(topic), new Rebalance(c));
            try {
                while (stop.getCount() > 0) {
                    settle(c);
                    for (ConsumerRecord<String, byte[]> r : c.poll(POLL_TIMEOUT)) {
                        admit(r);
                    }
                }
            } catch (WakeupException e) {
                if (stop.getCount() > 0) {
                    throw e;
                }
            }
            shutDown(c);
        } catch (Throwable e) {
            fail(e);
            synchronized (lock) {
                cancelRunning = true;
            }
        } finally {
            consumer = null;
            stop.countDown();
            synchronized (lock) {
                lock.notifyAll();
            }
            stopped.countDown();
        }
    }

    private void admit(ConsumerRecord<String, byte[]> r) throws InterruptedException {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        offsets.received(tp, r.offset());
        Optional<Request> request = intake.admit(r, backlog());
        if (request.isEmpty()) {
            offsets.finished(tp, r.offset());
            return;
        }
        synchronized (lock) {
            queue.add(request.get());
            lock.notifyAll();
        }
    }

    /** Books finished commands, commits what may be committed, and pauses or resumes intake by queue length. */
    private void settle(Consumer<String, byte[]> c) {
        for (Request r; (r = finished.poll()) != null; ) {
            offsets.finished(r.source(), r.offset());
            intake.released(r);
        }
        Map<TopicPartition, Long> commit = offsets.committable();
        if (!commit.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
            commit.forEach((tp, o) -> toCommit.put(tp, new OffsetAndMetadata(o)));
            try {
                c.commitSync(toCommit);
                offsets.committed(commit);
            } catch (RebalanceInProgressException | CommitFailedException | RetriableException e) {
                // the rebalance callbacks of the next poll commit again, or the new owner's seen-request check applies
                LOG.info("Commit of {} deferred: {}", commit, e.toString());
            }
        }
        if (backlog() >= queueMax) {
            if (!c.assignment().isEmpty() && c.paused().size() < c.assignment().size()) {
                LOG.info("{} commands waiting; pausing {}", backlog(), topic);
                c.pause(c.assignment());
            }
        } else if (!c.paused().isEmpty()) {
            c.resume(c.paused());
        }
    }

    private void shutDown(Consumer<String, byte[]> c) {
        List<Request> dropped = new ArrayList<>();
        synchronized (lock) {
            dropped.addAll(queue);
            queue.clear();
            cancelRunning = true;
            lock.notifyAll();
        }
        dropped.forEach(intake::released);
        awaitWorker(null, shutdownTimeout);
        try {
            settle(c);
        } catch (KafkaException e) {
            LOG.warn("Final commit failed; the last commands may run again: {}", e.toString());
        }
    }

    /** Waits until the worker runs nothing of {@code partitions} (anything, if null), or the timeout passes. */
    private boolean awaitWorker(Collection<TopicPartition> partitions, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (running != null && (partitions == null || partitions.contains(running.source()))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        private final Consumer<String, byte[]> c;

        Rebalance(Consumer<String, byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            release(partitions);
            if (!awaitWorker(partitions, shutdownTimeout)) {
                LOG.warn("A command of revoked {} still runs after {} ms; cancelling it, its new owner runs it again",
                        partitions, shutdownTimeout.toMillis());
                synchronized (lock) {
                    cancelRunning = true;
                }
                awaitWorker(partitions, shutdownTimeout);
            }
            try {
                settle(c);
            } catch (KafkaException e) {
                LOG.warn("Commit on revocation of {} failed; its last commands may run again: {}", partitions, e.toString());
            }
            offsets.remove(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            release(partitions);
            offsets.remove(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            try {
                requests.awaitCaughtUp(admin, catchUpTimeout);
            } catch (TimeoutException e) {
                throw new KafkaException("cannot read the status topic before handling commands: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while reading the status topic", e);
            }
            synchronized (lock) {
                owned.addAll(partitions);
            }
            LOG.info("Handling commands of {}", partitions);
        }

        private void release(Collection<TopicPartition> partitions) {
            List<Request> dropped = new ArrayList<>();
            synchronized (lock) {
                owned.removeAll(partitions);
                queue.removeIf(r -> {
                    boolean lost = partitions.contains(r.source());
                    if (lost) {
                        dropped.add(r);
                    }
                    return lost;
                });
            }
            dropped.forEach(intake::released);
            if (!dropped.isEmpty()) {
                LOG.info("Handing {} queued commands of {} back to the group", dropped.size(), partitions);
            }
        }
    }

    private void workLoop() {
        while (true) {
            Request request;
            boolean ours;
            synchronized (lock) {
                while (queue.isEmpty() && stop.getCount() > 0) {
                    try {
                        lock.wait(POLL_TIMEOUT.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (stop.getCount() == 0) {
                    return;
                }
                request = queue.poll();
                ours = owned.contains(request.source());
                if (ours) {
                    running = request;
                    cancelRunning = false;
                }
            }
            if (!ours) {
                // its partition moved to another member, which runs it
                intake.released(request);
                continue;
            }
            boolean done = false;
            try {
                runner.run(request, this::cancelled);
                done = true;
            } catch (CancellationException e) {
                LOG.info("{} interrupted; it runs again when its record is redelivered", request.requestId());
            } catch (Throwable e) {
                fail(e);
                return;
            } finally {
                if (done) {
                    finished.add(request);
                } else {
                    intake.released(request);
                }
                synchronized (lock) {
                    running = null;
                    lock.notifyAll();
                }
            }
        }
    }

    private boolean cancelled() {
        synchronized (lock) {
            return cancelRunning;
        }
    }

    private void fail(Throwable e) {
        if (failure.compareAndSet(null, e)) {
            LOG.error("Control loop stopped: {}", e.toString(), e);
        }
        stop.countDown();
        if (Thread.currentThread() != pollThread) {
            Consumers.wakeUp(consumer);
        }
    }

    @Override
    public void close() {
        stop.countDown();
        Consumers.wakeUp(consumer);
        long joinMillis = shutdownTimeout.toMillis() + 30_000;
        for (Thread t : List.of(pollThread, workerThread)) {
            if (t.isAlive() && t != Thread.currentThread()) {
                try {
                    t.join(joinMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
