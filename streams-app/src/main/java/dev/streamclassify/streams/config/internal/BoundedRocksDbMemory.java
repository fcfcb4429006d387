package dev.streamclassify.streams.config.internal;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One native-memory budget for every RocksDB store of the process: a shared block cache that also holds index and
 * filter blocks, with the memtables charged to it (up to half of it) by a shared write-buffer manager.
 *
 * <p>Why: by default Kafka Streams gives each store instance (one per store and partition: nine here with three
 * partitions) its own 50 MB block cache and up to three 16 MB memtables, and keeps index and filter blocks outside any
 * cache, so the resident set grows with the number of partitions and with the data on disk (the label-join store
 * keeps every image's votes for {@code quality.join.window.ms}). Measured in docs/benchmarks.md ("Resident memory of
 * the streams-app process").
 *
 * <p>Kafka Streams creates this class by name for every store it opens and passes the application's settings; the
 * budget comes from {@value #MAX_BYTES_CONFIG}. Budgets are shared per size and live as long as the process: stores
 * close and reopen with every rebalance, so the cache must outlive any one of them (never closed here, hence static).
 * Thread-safe.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {

    /** The streams setting carrying the budget in bytes; set by StreamsAppConfig from {@code rocksdb.memory.max.bytes}. */
    public static final String MAX_BYTES_CONFIG = "streamclassify.rocksdb.memory.max.bytes";

    /** Share of the budget kept for index and filter blocks (high priority in the cache, so data blocks go first). */
    private static final double INDEX_FILTER_SHARE = 0.1;

    private record Budget(Cache cache, WriteBufferManager writeBuffers) {
    }

    private static final Map<Long, Budget> BUDGETS = new ConcurrentHashMap<>();

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        long maxBytes = Long.parseLong(String.valueOf(configs.get(MAX_BYTES_CONFIG)));
        Budget budget = BUDGETS.computeIfAbsent(maxBytes, b -> {
            Cache cache = new LRUCache(b, -1, false, INDEX_FILTER_SHARE);
            return new Budget(cache, new WriteBufferManager(b / 2, cache));
        });
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(budget.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(budget.writeBuffers());
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write-buffer manager are shared by every store of the process: they stay
    }

    /** Bytes in the shared cache of budget {@code maxBytes} (blocks and the memtables charged to it); empty before any store opened. */
    public static OptionalLong usage(long maxBytes) {
        Budget b = BUDGETS.get(maxBytes);
        return b == null ? OptionalLong.empty() : OptionalLong.of(b.cache().getUsage());
    }
}
