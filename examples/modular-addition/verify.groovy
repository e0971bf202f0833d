// Run by the plugin's integration tests (maven-invoker-plugin builds this example with few steps).
def run = new File(basedir, 'target/grokcap/modular-addition')
assert new File(run, 'run.json').text.contains('"result"') : 'the run finished'
assert new File(run, 'weights.safetensors').isFile()
def site = new File(basedir, 'target/site/grokcap')
assert new File(site, 'index.html').text.contains('modular-addition-p53')
['accuracy-test', 'loss-test', 'final-accuracy'].each { c ->
  assert new File(site, c + '.png').length() > 0 && new File(site, c + '.svg').length() > 0 : c
}
def log = new File(basedir, 'build.log').text
assert log.contains('[INFO] run directory  ') : 'the fork\'s output is in the Maven log'
return true
