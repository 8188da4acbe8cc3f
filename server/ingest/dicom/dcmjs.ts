import dcmjs from "dcmjs";

// dcmjs reports oddities of files on the console (its root and "validation" loggers); they
// would end up in the server's log, next to nothing a user can act on.
dcmjs.log.setLevel("silent");
dcmjs.log.getLogger("validation.dcmjs").setLevel("silent");

/** dcmjs, quiet: import it from here rather than from the package. */
export default dcmjs;
