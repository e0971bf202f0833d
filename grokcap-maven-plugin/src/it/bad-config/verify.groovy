def log = new File(basedir, 'build.log').text
def bad = new File(basedir, 'bad.json').absolutePath
assert log.contains("[ERROR] error: " + bad + ": unknown field 'model.dmodel'") : 'the fork\'s error line, logged as an error'
// the build fails with the fork's own message
def failed = log.readLines().find { it.startsWith('[ERROR] Failed to execute goal org.grokcap:grokcap-maven-plugin:') }
assert failed != null
assert failed.contains(":train (train) on project bad-config: grokcap train: " + bad + ": unknown field 'model.dmodel' (known fields: ") : failed
assert !log.contains('at org.grokcap.') : 'no stack trace'
assert !new File(basedir, 'target/grokcap/bad/run.json').exists()
return true
