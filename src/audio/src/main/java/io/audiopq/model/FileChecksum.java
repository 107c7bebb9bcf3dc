package io.audiopq.model;

/**
 * One file of a bundle and its SHA-256.
 *
 * @param path        relative to the bundle folder, with '/' separators
 * @param sha256      lowercase hex SHA-256 of the file's bytes
 * @param sizeInBytes the file's length
 */
public record FileChecksum(String path, String sha256, long sizeInBytes) {}
