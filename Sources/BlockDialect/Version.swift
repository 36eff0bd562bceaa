/// The version of dialectgen, written into every generated file's header.
public let dialectgenVersion = "0.1.0"
