// Run by the plugin's integration tests (maven-invoker-plugin builds this example with few steps).
def log = new File(basedir, 'build.log').text
assert log.contains('final: {') : 'the program printed its final metrics'
def runs = new File(basedir, 'runs').listFiles()
assert runs != null && runs.length == 1 : 'one run directory under runs/'
assert new File(runs[0], 'run.json').text.contains('"result"') : 'the run finished'
assert new File(runs[0], 'weights.safetensors').isFile()
return true
