/**
 * ferry on Apache Spark: images read with Spark's {@code binaryFile} source, decoded and
 * preprocessed by ferry's data layer inside {@code mapPartitions}, classified or embedded by
 * ferry's inference engine (opened once per executor JVM and shared by its tasks), and evaluated
 * with counts that merge exactly across partitions.
 *
 * <p>{@link dev.ferry.spark.FerrySpark} is the DataFrame API, {@link dev.ferry.spark.SparkJobs}
 * the whole jobs (input folder to Parquet or JSON Lines), {@link dev.ferry.spark.FeatureParquet}
 * reads an embedding job's output back for head training on one machine.
 *
 * <p>May use the workflow layer and everything below it, Spark and Hadoop; is used only by the
 * command line ({@code ferry spark}, {@code ferry train --features}). Spark's jars are provided by
 * the cluster or, on one machine, by the launcher.
 */
package dev.ferry.spark;
