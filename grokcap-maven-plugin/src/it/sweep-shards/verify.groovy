def out = new File(basedir, 'target/grokcap')
def runs = out.listFiles().findAll { new File(it, 'run.json').isFile() }
assert runs.size() == 4 : runs
runs.each { assert new File(it, 'run.json').text.contains('"result"') : it }
assert runs*.name.any { it.startsWith('dModel-8_seed-1-') }
assert new File(out, 'seeds.sweep.json').isFile()
def log = new File(basedir, 'build.log').text
// the last build (the whole sweep) found every run finished
assert (log =~ /finished earlier, skipped/).count == 4 : 'the third build skips all four runs'
assert log.contains('"trained":0') && log.contains('"alreadyFinished":4')
def html = new File(basedir, 'target/site/grokcap/index.html').text
runs.each { assert html.contains('<td class="l">' + it.name + '</td>') }
assert html.contains('<th>model.dModel</th>') && html.contains('<th>train.seed</th>')
return true
