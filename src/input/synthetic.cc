// Synthetic data sets (implementation pending).
