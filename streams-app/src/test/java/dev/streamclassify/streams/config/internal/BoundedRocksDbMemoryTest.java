package dev.streamclassify.streams.config.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BoundedRocksDbMemoryTest {

    private static final long MB = 1 << 20;

    @TempDir
    Path dir;

    /** As Kafka Streams does: its own table config first, then the setter with the application's settings. */
    private static Options configured(String store, long budget) {
        Options options = new Options().setCreateIfMissing(true).setTableFormatConfig(new BlockBasedTableConfig());
        new BoundedRocksDbMemory().setConfig(store, options, Map.of(BoundedRocksDbMemory.MAX_BYTES_CONFIG, budget));
        return options;
    }

    @Test
    void memtablesOfEveryStoreAreChargedToTheOneSharedBudget() throws RocksDBException {
        long budget = 48 * MB;
        assertThat(BoundedRocksDbMemory.usage(budget)).as("no store opened with this budget yet").isEmpty();
        try (Options a = configured("image-buffer", budget); Options b = configured("label-join-votes", budget);
             RocksDB first = RocksDB.open(a, dir.resolve("a").toString());
             RocksDB second = RocksDB.open(b, dir.resolve("b").toString())) {
            byte[] value = new byte[1024];
            for (int i = 0; i < 3000; i++) {
                first.put(("k" + i).getBytes(), value);
            }
            long afterFirst = BoundedRocksDbMemory.usage(budget).orElseThrow();
            for (int i = 0; i < 3000; i++) {
                second.put(("k" + i).getBytes(), value);
            }
            long afterBoth = BoundedRocksDbMemory.usage(budget).orElseThrow();
            long memtables = first.getLongProperty("rocksdb.cur-size-all-mem-tables")
                    + second.getLongProperty("rocksdb.cur-size-all-mem-tables");

            assertThat(afterFirst).as("the first store's ~3 MB memtable is charged to the cache").isGreaterThanOrEqualTo(2 * MB);
            assertThat(afterBoth).as("the second store's memtable is charged to the same cache").isGreaterThan(afterFirst + MB);
            assertThat(afterBoth).as("the cache holds at least what both memtables use").isGreaterThanOrEqualTo(memtables);
            assertThat(((BlockBasedTableConfig) a.tableFormatConfig()).cacheIndexAndFilterBlocks())
                    .as("index and filter blocks count against the budget too").isTrue();
        }
    }

    @Test
    void storesWithAnotherBudgetGetTheirOwnCache() {
        try (Options small = configured("a", 40 * MB); Options other = configured("b", 41 * MB)) {
            assertThat(BoundedRocksDbMemory.usage(40 * MB)).isPresent();
            assertThat(BoundedRocksDbMemory.usage(41 * MB)).isPresent();
            assertThat(BoundedRocksDbMemory.usage(42 * MB)).isEmpty();
        }
    }
}
