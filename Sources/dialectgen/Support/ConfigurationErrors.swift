import DialectHardware

/// Runs `body`, reporting a ``ConfigurationError`` as a command-line mistake (exit status 2):
/// for a configuration that came from the options or a configuration file.
func reportingUsage<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as ConfigurationError {
    throw UsageError(error.description)
  }
}

/// Runs `body`, reporting a ``ConfigurationError`` as a failed command (exit status 1): for
/// writing the output.
func reportingFailure<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as ConfigurationError {
    throw CommandFailure(error.description)
  }
}
